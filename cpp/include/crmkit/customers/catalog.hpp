// crmkit/customers/catalog.hpp — what the rule language can say about a customer.
//
// The catalog lists every field a customer rule may use, with the SQL that reads it. This domain
// owns the built-in columns, the tags and the custom fields; higher domains contribute what lives
// in their own tables as catalog parts, installed on the engine when a CRM opens: the
// relationship domain its derived facts (a JOIN of the table it owns), the segments domain the
// group-membership test. So every table is named in SQL only by its owner, and still one catalog
// describes a customer for segments, auto-tags, revisit plans, workflow conditions and report
// filters. Thread-safety: parts are installed before the engine is shared and only read after.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/schema/fields.hpp"

namespace crmkit::customers {

// What a higher domain adds to the customer catalog.
struct CatalogPart {
  // Appended to the FROM clause after `customers c` (e.g. a LEFT JOIN of the part's table on
  // c.id); empty when the part's SQL needs no join.
  std::string join;
  // Adds the part's fields (and, for group membership, `in_group_sql`) to the catalog.
  std::function<void(const Context&, rules::Catalog&)> add_fields;
  // The explain evaluator's group test and a customer's group names, for the part that owns
  // groups; empty in other parts.
  std::function<bool(const Context&, std::int64_t customer_id, std::string_view group)> in_group;
  std::function<std::vector<std::string>(const Context&, std::int64_t customer_id)> groups_of;
};

// Installs a part on the engine; called once per part when a CRM opens.
void add_catalog_part(Engine& engine, CatalogPart part);

// The FROM clause every compiled customer rule runs against: `customers c` and the parts' joins.
std::string rule_from(const Context& ctx);
// The parts' joins alone (each with a leading space), for a query that joins `customers c` itself.
std::string rule_joins(const Context& ctx);

rules::Catalog customer_catalog(const Context& ctx);

// A customer's tags, ascending.
std::vector<std::string> tags_of(const Context& ctx, std::int64_t customer_id);
// The names of the groups a customer belongs to, ascending (empty when no part owns groups).
std::vector<std::string> groups_of(const Context& ctx, std::int64_t customer_id);

// The rule-language type of a custom field type (shared by every entity's catalog).
rules::FieldType rule_type(schema::FieldType t);

// A rule compiled to a WHERE condition with its parameters, ready to splice after rule_from()
// (rules::compile_filter: a condition only, never a value to negate).
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
