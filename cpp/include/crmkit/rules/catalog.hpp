// crmkit/rules/catalog.hpp — what a rule may refer to: the fields of one entity, their types,
// and the SQL that yields each of them.
//
// A Catalog is built by the code that owns an entity's schema (built-in columns, custom fields,
// derived facts) and handed to rules::parse and rules::compile. It is the only source of SQL
// text that ever reaches a compiled rule besides the fixed operator templates: literals from the
// rule are always bound as parameters.
//
// Thread-safety: plain values. Concurrent reads are safe; mutation needs external
// synchronisation. A Rule copies what it needs, so a Catalog may be destroyed after parse().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crmkit/dialect.hpp"
#include "crmkit/time.hpp"

namespace crmkit::rules {

enum class FieldType { Text, Number, Integer, Bool, Date, DateTime, Enum, MultiEnum, User };

// The lower-case name used in messages and docs: "text", "number", "integer", "bool", "date",
// "datetime", "enum", "multi_enum", "user".
std::string_view type_name(FieldType type) noexcept;

struct FieldInfo {
  std::string name;
  FieldType type = FieldType::Text;
  // SQL expression yielding the value, e.g. "c.industry" or
  // "json_extract(c.fields,'$.region')". The token $now (outside single-quoted SQL strings) is
  // replaced by a bound parameter holding now_ms. Must not contain '?'. Date and DateTime
  // expressions yield INTEGER milliseconds since the epoch UTC; MultiEnum yields JSON array text;
  // Bool yields 0/1; User yields the user id.
  std::string sql;
  // Enum / MultiEnum options; empty means literals are not checked against a list.
  std::vector<std::string> options;
  // Set on an Integer field that counts whole days from the stored Date / DateTime field of this
  // name to $now (rules::semantics::days_since; its `sql` is days_since_sql of that field's SQL),
  // so that a store evaluating rules in memory computes it from that field at each call.
  std::string days_since_of = {};
};

struct Catalog {
  std::string entity;  // "customer", "opportunity", ...
  std::vector<FieldInfo> fields;
  // A boolean SQL expression with exactly one '?' for the tag name; empty means has_tag() is not
  // available for this entity and using it is a RuleSyntaxError.
  std::string has_tag_sql;
  // The same for in_group() with one '?' for the group name.
  std::string in_group_sql;
  // The SQL forms of the database the compiled rule runs on, set by the catalog's builder from
  // Database::dialect(). There is no default: a catalog without one cannot be compiled to SQL
  // (rules::compile throws Error), so no rule is spelled for the wrong engine.
  const Dialect* dialect = nullptr;
  // The database's time zone: date text without an offset is a local time, and `now` compared
  // with a `date` field is read on the local calendar (see docs/rules.md, "Dates and time zones").
  TimeZone zone;

  // The field with exactly this name, or nullptr. Linear scan: catalogs are small.
  const FieldInfo* find(std::string_view name) const;
};

// Catalog SQL with every $now token replaced by `with` (the compiler binds it as a parameter,
// the segment store and record loaders the same way). Quoted SQL strings and identifiers are
// copied untouched, so a JSON path like '$.now' is never rewritten. `placeholders` counts the
// '?' of the original SQL outside quotes.
struct ExpandedSql {
  std::string sql;
  int now_count = 0;
  int placeholders = 0;
};
ExpandedSql expand_now(std::string_view sql, std::string_view with);

}  // namespace crmkit::rules
