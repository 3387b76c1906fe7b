// crmkit/pipeline/leads.hpp — leads (线索): capture, qualify, disqualify, assign, convert.
//
// Every call is one transaction and changes nothing when it throws. A scoped view reads and
// changes only the leads its role's "leads" scope covers. `convert` turns a lead into a customer
// (or finds the existing one: same normalised phone, same e-mail, or the same company name
// after text::fold_key), a contact and an opportunity, all in one transaction.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/pipeline/opportunity.hpp"
#include "crmkit/table.hpp"

namespace crmkit::pipeline {

struct LeadQuery {
  std::optional<std::string> status;
  std::optional<std::string> source;
  std::optional<std::int64_t> owner;
  std::int64_t limit = -1;
  std::int64_t offset = 0;
};

struct ConvertInput {
  std::optional<std::int64_t> by;  // the acting user (the view's user by default)
  // Attributes of the new opportunity (title, amount, close_date, stage, ...) and its custom
  // fields. Title defaults to the lead's company or name.
  OpportunityInput opportunity;
  bool create_opportunity = true;
};

struct ConvertResult {
  customers::Customer customer;
  std::optional<customers::Contact> contact;
  std::optional<Opportunity> opportunity;
  bool matched_existing = false;
  std::optional<std::string> matched_on;  // "phone" | "email" | "name"
  Lead lead;
};

// The key phones are matched on: E.164 by libphonenumber (region CN for numbers without a
// country code, full-width digits accepted); empty when the text is not a valid number.
std::string normalize_phone(const std::string& phone);

class Leads {
 public:
  explicit Leads(Context ctx, ChangeObserver observer = {}) : ctx_(std::move(ctx)), observer_(std::move(observer)) {}

  // Throws ValidationError naming the field, NotFound (owner), PermissionDenied (owner outside scope).
  Lead add(const LeadInput& input);
  Lead get(std::int64_t id) const;
  Lead update(std::int64_t id, const LeadInput& changes, std::optional<std::int64_t> expected_version = std::nullopt);
  // new -> qualified. Assigns the lead to `by` when it has no owner. Conflict once converted.
  Lead qualify(std::int64_t id, std::optional<std::int64_t> by = std::nullopt);
  // new/qualified -> disqualified; the reason is required.
  Lead disqualify(std::int64_t id, const std::string& reason, std::optional<std::int64_t> by = std::nullopt);
  // Hands the lead to another user (within the acting principal's scope).
  Lead assign(std::int64_t id, std::int64_t to, std::optional<std::int64_t> by = std::nullopt);
  // Columns: id, name, company, phone, email, source, status, owner_id, reason, customer_id,
  // opportunity_id, created_at, updated_at, version, then the custom fields. Ordered by id.
  Table find(const LeadQuery& query) const;
  // Conflict if already converted; ValidationError if disqualified.
  ConvertResult convert(std::int64_t id, const ConvertInput& input);
  // The first lead whose cleaned "phone" or "email" (`field`) is `value`: its id and the customer
  // it was converted to, if any (how an import recognises a lead it holds); no scope check.
  struct Held {
    std::int64_t id = 0;
    std::optional<std::int64_t> customer_id;
  };
  std::optional<Held> first_with(const std::string& field, const std::string& value) const;

 private:
  Context ctx_;
  ChangeObserver observer_;
};

}  // namespace crmkit::pipeline
