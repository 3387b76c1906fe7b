// crmkit/rules/evaluate.hpp — evaluating a Rule on one record in memory, and explaining why.
//
// evaluate() agrees exactly with the SQL from rules::compile when the Record returns what that
// SQL would yield: predicates on NULL are false (only `is null` is true), `not p` is !p,
// integers and doubles compare exactly as SQLite compares them, strings compare bytewise.
//
// Thread-safety: evaluate/explain are pure given the Record; they call only const Record
// methods, so one Rule may be evaluated from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::rules {

// The data one rule is evaluated on. get() must return NULL or a value of the field's type:
// Text/Enum a string, Number an int or double, Integer/User/Date/DateTime an int (dates in ms),
// Bool a bool (or 0/1 int), MultiEnum a list of strings. Other shapes are compared by SQLite's
// storage-class order (numbers < strings) and never match contains/starts_with.
class Record {
 public:
  virtual ~Record();
  virtual Value get(const FieldInfo& field) const = 0;
  virtual bool has_tag(std::string_view tag) const = 0;
  virtual bool in_group(std::string_view group) const = 0;
};

bool evaluate(const Rule& rule, const Record& record, std::int64_t now_ms);

struct ClauseResult {
  std::string clause;  // the clause's source text
  std::string value;   // the record's value of the clause's field, rendered ("" for and/or/not)
  bool result = false;
  int depth = 0;       // 0 for the root
};

// One entry per node in pre-order (a connective before its operands), every node evaluated
// (no short-circuit), so the output has the same length for every record.
std::vector<ClauseResult> explain(const Rule& rule, const Record& record, std::int64_t now_ms);

// How explain() prints a value of a field of type `type`: null, true/false, numbers, quoted
// strings, dates as "2026-01-01", datetimes as "2026-01-01T09:30:00Z", lists as ["a", "b"].
std::string render_value(const Value& value, FieldType type);

}  // namespace crmkit::rules
