// Shared by the customer and contact services: what a write is checked against, loaded once per
// call (once per batch for add_many).
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"
#include "crmkit/customers/keys.hpp"
#include "crmkit/customers/record_values.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/value.hpp"

namespace crmkit::customers {

struct WriteRules {
  schema::FieldSet fields;
  std::vector<std::string> stages;
  std::unordered_set<std::int64_t> users;

  static WriteRules load(const Context& ctx, const std::string& entity);
  bool user_exists(std::int64_t id) const { return users.count(id) > 0; }
};

// Identity keys (keys.cpp), written in the writer's transaction. `contact_id` 0 stands for the
// customer's own attributes. write_keys replaces the holder's keys; drop_keys removes them.
struct KeyRow {
  std::int64_t customer_id = 0;
  std::int64_t contact_id = 0;
  IdentityKeys keys;
};
void write_keys(const Context& ctx, std::int64_t customer_id, std::int64_t contact_id, const IdentityKeys& keys);
void drop_keys(const Context& ctx, std::int64_t customer_id, std::int64_t contact_id);
// The keys of many new holders at once (bulk inserts, the back-fill).
void write_keys_many(const Context& ctx, const std::vector<KeyRow>& rows);
inline IdentityKeys keys_of(const Customer& c) { return identity_keys(c.phone, c.email, c.name, c.kind == "company"); }
inline IdentityKeys keys_of(const Contact& c) { return identity_keys(c.phone, c.email, std::nullopt, false); }

}  // namespace crmkit::customers
