// crmkit/pipeline/opportunity.hpp — the lead, opportunity and document records and their inputs.
//
// Records are immutable snapshots (the Python API exposes them read-only). Money is carried as
// currency units (double) for the API and kept exactly as integer cents (`*_cents`) in storage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "crmkit/time.hpp"
#include "crmkit/value.hpp"

namespace crmkit::pipeline {

struct Lead {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> company;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> source;
  std::string status = "new";  // new | qualified | disqualified | converted
  std::optional<std::int64_t> owner_id;
  std::optional<std::string> reason;  // why it was disqualified
  std::map<std::string, Value> fields;
  std::optional<std::int64_t> customer_id;  // set by convert
  std::optional<std::int64_t> contact_id;
  std::optional<std::int64_t> opportunity_id;
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> qualified_at;
  std::optional<Timestamp> converted_at;
  std::int64_t version = 1;
};

// Built-in lead attributes: name, company, phone, email, source, owner (owner_id). A null Value
// clears an optional attribute.
struct LeadInput {
  std::map<std::string, Value> attrs;
  std::map<std::string, Value> fields;
};

struct Opportunity {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string title;
  double amount = 0.0;
  std::int64_t amount_cents = 0;
  std::optional<std::int64_t> owner_id;
  std::optional<Date> close_date;
  std::string stage;
  double probability = 0.0;                   // the override if set, else the stage's
  std::optional<double> probability_override;
  std::string status = "open";                // open | won | lost
  std::optional<std::string> lost_reason;
  std::optional<std::int64_t> lead_id;
  std::map<std::string, Value> fields;
  std::optional<std::int64_t> locked_by_request;
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> closed_at;
  std::int64_t version = 1;
};

// Built-in opportunity attributes: customer (customer_id), title, amount, owner (owner_id),
// close_date, stage, probability (null: back to the stage's). Custom fields by name.
struct OpportunityInput {
  std::map<std::string, Value> attrs;
  std::map<std::string, Value> fields;
};

// A document attached to an opportunity (a quote, a contract, ...): a workflow entity of its own.
struct Document {
  std::int64_t id = 0;
  std::int64_t opportunity_id = 0;
  std::string kind;
  std::string title;
  std::optional<double> amount;
  std::optional<double> discount;
  std::map<std::string, Value> fields;  // free-form values (kinds have no field definitions)
  std::optional<std::int64_t> locked_by_request;
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
  Timestamp updated_at;
  std::int64_t version = 1;
};

// Built-in document attributes: title, amount, discount; `fields` free-form.
struct DocumentInput {
  std::map<std::string, Value> attrs;
  std::map<std::string, Value> fields;
};

}  // namespace crmkit::pipeline
