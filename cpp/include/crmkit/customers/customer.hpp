// crmkit/customers/customer.hpp — the customer and contact records and their inputs.
//
// Records are immutable snapshots (the Python API exposes them read-only). Inputs carry only
// what the caller set: built-in attributes by name, custom fields by name, and tags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/time.hpp"
#include "crmkit/value.hpp"

namespace crmkit::customers {

// Derived per-customer facts, kept current by the relationship domain in the same transaction as
// every write that changes them (crmkit/relationship/facts.hpp). Read-only on the record;
// days_since_contact is computed when the record is read.
struct CustomerFacts {
  std::optional<Timestamp> last_contact_at;
  std::optional<std::int64_t> days_since_contact;  // floor((now - last_contact_at) / day)
  std::int64_t interaction_count = 0;
  std::int64_t order_count = 0;       // orders with a positive amount (refunds do not count)
  double lifetime_value = 0;          // all amounts, refunds included
  std::optional<Timestamp> first_order_at;
  std::optional<Timestamp> last_order_at;
  std::optional<double> avg_satisfaction;  // of closed tickets with a score; empty when none
  std::int64_t open_tickets = 0;
};

struct Customer {
  std::int64_t id = 0;
  std::string name;
  std::string kind = "company";  // "company" | "person"
  std::optional<std::string> industry;
  std::optional<std::int64_t> owner_id;  // empty: in the public pool
  std::optional<std::string> source;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::string stage;
  std::vector<std::string> tags;
  std::map<std::string, Value> fields;
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
  Timestamp updated_at;
  std::int64_t version = 1;
  CustomerFacts facts;
};

// What a caller sets on add or update. `attrs` holds built-in attributes by name: name, kind,
// industry, owner (or owner_id), source, phone, email, stage. A null Value clears an optional
// attribute. `fields` holds custom field values; `tags`, when present, is the whole tag set.
struct CustomerInput {
  std::map<std::string, Value> attrs;
  std::map<std::string, Value> fields;
  std::optional<std::vector<std::string>> tags;
};

struct Contact {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string name;
  std::optional<std::string> title;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::map<std::string, Value> fields;
  Timestamp created_at;
  Timestamp updated_at;
  std::int64_t version = 1;
};

// Built-in contact attributes: name, title, phone, email; plus custom fields.
struct ContactInput {
  std::map<std::string, Value> attrs;
  std::map<std::string, Value> fields;
};

}  // namespace crmkit::customers
