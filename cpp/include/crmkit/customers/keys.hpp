// crmkit/customers/keys.hpp — the identity keys under which one customer is recognised.
//
// A customer is found again by its phone number (E.164, libphonenumber), its e-mail (lower-cased,
// shape-checked) and, for a company, its name key (io::company_key). Every write of a customer or
// contact stores these keys in `customer_keys` (migration 8) in the same transaction, so lead
// conversion, imports and de-duplication look a key up through an index instead of normalising
// every stored row, and all of them agree on what "the same phone" means.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::customers {

// The region a phone number without a country code belongs to.
inline constexpr const char* kDefaultPhoneRegion = "CN";

struct IdentityKeys {
  std::optional<std::string> phone;  // E.164, e.g. "+862155550000"
  std::optional<std::string> email;  // lower-cased
  std::optional<std::string> name;   // io::company_key of a company's name
  std::optional<std::string> person; // text::fold_key of a person's name (exact re-import matching)
  bool empty() const { return !phone && !email && !name && !person; }
};

// The keys of raw attribute text. A phone or e-mail that does not clean gives no key (it cannot
// match anything); the name gives `name` for a company and `person` for a person, when not empty.
IdentityKeys identity_keys(const std::optional<std::string>& phone, const std::optional<std::string>& email,
                           const std::optional<std::string>& name, bool company);

struct KeyMatch {
  std::int64_t customer_id = 0;
  std::string rule;  // "phone" | "email" | "name"
};

// Lookups through the key index. They see every customer, whatever the principal's scope: a
// duplicate of someone else's customer is still a duplicate (callers decide what to reveal).
class CustomerKeys {
 public:
  explicit CustomerKeys(Context ctx) : ctx_(std::move(ctx)) {}

  // Customers whose own attribute or one of whose contacts has the key; ascending ids.
  std::vector<std::int64_t> customers_with(const std::string& kind, const std::string& key) const;
  // The first customer matching by phone, else e-mail, else company-name key; lowest id on ties.
  // (A person's name is not an identity: it is matched only when asked for, see imports.)
  std::optional<KeyMatch> match(const IdentityKeys& keys) const;
  // A contact of `customer_id` with the same phone or e-mail, if any.
  std::optional<std::int64_t> matching_contact(std::int64_t customer_id, const IdentityKeys& keys) const;
  // Calls `f(customer_id, key)` for the company-name key of every company customer (an import's
  // fuzzy-name index starts from them).
  void each_company_key(const std::function<void(std::int64_t, const std::string&)>& f) const;
  // Computes the keys of every customer and contact that predates migration 8 (the migration
  // leaves a marker); a no-op once done. Called when a CRM is opened.
  void backfill() const;

 private:
  Context ctx_;
};

}  // namespace crmkit::customers
