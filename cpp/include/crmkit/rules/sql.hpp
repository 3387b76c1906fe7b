// crmkit/rules/sql.hpp — turning a Rule into a SQLite boolean expression.
//
// The expression is meant for a WHERE clause over the entity's row (the catalog's field SQL
// decides the table aliases). It always yields 0 or 1, never NULL: each predicate is wrapped so
// that NULL inputs give 0, which makes `NOT` exact and the result identical to rules::evaluate on
// the same data. Every literal is a bound parameter; the only SQL text comes from the catalog and
// from fixed templates. Text comparisons are forced to bytewise (Dialect::bytewise_collation).
//
// Thread-safety: pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::rules {

struct SqlFragment {
  std::string sql;            // uses positional '?' placeholders only
  std::vector<Value> params;  // one per '?', in order; never a list, never NULL
};

// Compiles `rule` against `catalog` (normally the one it was parsed with). Relative dates and the
// $now token in field SQL are bound as now_ms-based integers.
// Throws crmkit::RuleSyntaxError if the catalog is for another entity, or a field the rule uses
// is gone or changed type; crmkit::Error if catalog SQL holds a stray '?' (a catalog bug).
SqlFragment compile(const Rule& rule, const Catalog& catalog, std::int64_t now_ms);

// The same rule as a filter, for a WHERE clause (or an AND/OR inside one) only: the rows it keeps
// are exactly compile()'s, but a predicate with no NOT above it is left without its NULL wrapper,
// so the expression may be NULL where compile()'s is 0 — never negate it or read it as a value.
// In return SQLite can answer `industry = "制造"` from an index on the column.
SqlFragment compile_filter(const Rule& rule, const Catalog& catalog, std::int64_t now_ms);

}  // namespace crmkit::rules
