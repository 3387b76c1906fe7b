// crmkit/customers/catalog.hpp — what the rule language can say about a customer.
//
// The catalog lists every field a customer rule may use — built-in columns, custom fields (from
// their definitions) and the derived facts — with the SQL that reads it from `customers c` LEFT
// JOINed with `customer_facts f`. Segments, auto-tags, revisit plans, workflow conditions on
// customers and report filters all parse against it. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/schema/fields.hpp"

namespace crmkit::customers {

// The FROM clause every compiled customer rule runs against.
inline constexpr const char* kRuleFrom = "customers c LEFT JOIN customer_facts f ON f.customer_id = c.id";

rules::Catalog customer_catalog(const Context& ctx);

// The rule-language type of a custom field type (shared by every entity's catalog).
rules::FieldType rule_type(schema::FieldType t);

// A rule compiled to a WHERE condition with its parameters, ready to splice after kRuleFrom.
struct CompiledRule {
  rules::Rule rule;
  std::string sql;
  std::vector<rules::Value> params;
};
// Parses and compiles `text` against the customer catalog (RuleSyntaxError on any problem).
CompiledRule compile_customer_rule(const Context& ctx, const std::string& text);

// Binds a rules::Value to a statement parameter.
void bind_rule_value(db::Stmt& stmt, int index, const rules::Value& value);

struct ClauseRow {
  std::string clause;  // the clause's source text
  std::string value;   // the customer's value of the clause's field
  bool result = false;
  int depth = 0;       // 0 for the whole rule
};

// Evaluates a parsed customer rule on one customer in C++ (false if it does not exist).
bool matches(const Context& ctx, const rules::Rule& rule, std::int64_t customer_id);
// Every clause of the rule with the customer's value and the clause's result. NotFound for an
// unknown customer.
std::vector<ClauseRow> explain(const Context& ctx, const rules::Rule& rule, std::int64_t customer_id);

}  // namespace crmkit::customers
