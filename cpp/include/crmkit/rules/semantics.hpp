// crmkit/rules/semantics.hpp — what every rule operator means, defined once.
//
// Three evaluators run rules: rules::compile (SQL text for SQLite), rules::evaluate/explain (one
// in-memory Record) and segments::ColumnStore (columns of every customer). Each of them takes its
// decisions from here, so that a change here changes all three:
//
//   * literals: how an operand becomes the value it is compared with (literal());
//   * comparison: SQLite's order of two values — numbers (bool as 0/1, ints and doubles compared
//     exactly) before text, text bytewise (compare(); the SQL side forces Dialect::bytewise_collation);
//   * the NULL rule: every predicate on NULL is false except `is null` (on_null());
//     contains/starts_with on a value that is not text see it as NULL (text_operand(),
//     text_operand_sql());
//   * leaf predicates on one value (holds(), comparison(), ordered());
//   * multi_enum values: a JSON array of text, anything else NULL (multi_enum_value());
//   * relative dates (offset_ms()) and whole days since an instant (days_since(),
//     days_since_sql()).
//
// The column store's fast loops evaluate these functions once per distinct value or once per
// interval of values (see monotone intervals in column_store.cpp), never a restatement of them.
//
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "crmkit/dialect.hpp"
#include <string_view>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::rules::semantics {

inline constexpr std::int64_t kMsPerHour = 3600LL * 1000;
inline constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

// ---- comparison ------------------------------------------------------------------------------

// Exact comparison of an int64 and a double, as SQLite does it (NaN sorts below every integer).
inline int compare_int_double(std::int64_t i, double d) noexcept {
  if (std::isnan(d)) return 1;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  const double t = std::trunc(d);
  const auto ti = static_cast<std::int64_t>(t);
  if (i < ti) return -1;
  if (i > ti) return 1;
  if (d > t) return -1;
  if (d < t) return 1;
  return 0;
}

inline int compare_doubles(double a, double b) noexcept { return a < b ? -1 : (b < a ? 1 : 0); }

// Bytewise, as memcmp (std::char_traits<char> compares as unsigned char): SQLite's BINARY.
inline int compare_text(std::string_view a, std::string_view b) noexcept {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// SQLite's order of two non-NULL values under BINARY collation: numbers (bool as 0/1, int,
// double, compared exactly) before text, text bytewise; lists (never produced by SQL) last.
int compare(const Value& a, const Value& b);

inline bool is_text_type(FieldType t) noexcept { return t == FieldType::Text || t == FieldType::Enum; }

// ---- literals --------------------------------------------------------------------------------

// Milliseconds of `count` units after now ('h' hours, 'd' days, 'w' weeks): exact UTC offsets.
inline std::int64_t offset_ms(std::int64_t count, char unit) noexcept {
  const std::int64_t unit_ms = unit == 'h' ? kMsPerHour : unit == 'w' ? 7 * kMsPerDay : kMsPerDay;
  return count * unit_ms;
}

// The value an operand stands for at now_ms: the literal, or now_ms + offset for a relative date;
// booleans become 0/1 (how SQLite stores them; compare() orders them the same either way).
Value literal(const Operand& op, std::int64_t now_ms);
std::vector<Value> literals(const Node& n, std::int64_t now_ms);

// ---- the NULL rule ---------------------------------------------------------------------------

// What a leaf yields when its value is NULL: false for every operator except `is null`. The SQL
// compiler wraps each predicate in COALESCE(..., on_null(op)); the evaluators return it.
inline constexpr bool on_null(Op op) noexcept { return op == Op::IsNull; }

// The operators that depend on the value only through compare(value, literal_i).
inline constexpr bool is_comparison(Op op) noexcept { return op >= Op::Eq && op <= Op::NotBetween; }

// contains/starts_with read text only: any other storage class counts as NULL.
inline const std::string* text_operand(const Value& v) noexcept { return v.is_string() ? &v.as_string() : nullptr; }
// The same in SQL: `F` if it is text, else NULL.
std::string text_operand_sql(const Dialect& d, std::string_view field_sql);

// ---- leaf predicates -------------------------------------------------------------------------

// A comparison operator given c = compare(value, literal).
inline constexpr bool ordered(Op op, int c) noexcept {
  switch (op) {
    case Op::Eq: return c == 0;
    case Op::Ne: return c != 0;
    case Op::Lt: return c < 0;
    case Op::Le: return c <= 0;
    case Op::Gt: return c > 0;
    case Op::Ge: return c >= 0;
    default: return false;
  }
}

// A comparison operator (is_comparison) on a non-NULL value; cmp(i) = compare(value, literal i).
template <typename Cmp>
inline bool comparison(Op op, std::size_t literal_count, Cmp&& cmp) {
  switch (op) {
    case Op::In:
    case Op::NotIn: {
      bool any = false;
      for (std::size_t i = 0; i < literal_count && !any; ++i) any = cmp(i) == 0;
      return any == (op == Op::In);
    }
    case Op::Between:
    case Op::NotBetween: return (cmp(0) >= 0 && cmp(1) <= 0) == (op == Op::Between);
    default: return ordered(op, cmp(0));
  }
}

// Plain substring and prefix tests on bytes: '%' and '_' are ordinary; "" is in everything.
inline bool text_contains(std::string_view s, std::string_view needle) noexcept {
  return s.find(needle) != std::string_view::npos;
}
inline bool text_starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}
inline bool list_contains(const Value::List& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Any leaf but has_tag/in_group on the value `v` of its field, with `lits` = literals(n, now):
// the NULL rule, then the operator. A list value is a multi_enum (contains tests membership).
bool holds(Op op, const Value& v, const std::vector<Value>& lits);

// ---- multi_enum ------------------------------------------------------------------------------

// The value of a multi_enum field stored as JSON text: the list of the array's text elements
// (other elements can never equal a text literal); NULL when the text is not a JSON array.
Value multi_enum_value(std::string_view json);
// The same decision in SQL over the field's expression: 1 when it is a JSON array, else 0.
std::string multi_enum_is_list_sql(const Dialect& d, std::string_view field_sql);
// The field's JSON array text, or NULL when it is not an array (safe to hand to json_each).
std::string multi_enum_list_sql(const Dialect& d, std::string_view field_sql);

// ---- days --------------------------------------------------------------------------------------

// Whole days from `instant` (ms) to now_ms, rounded down: a contact a little in the future is
// day -1, not 0. NULL when the instant is NULL or not an integer. Where SQLite's integer
// arithmetic would overflow (instants beyond any calendar) the result follows SQLite into doubles.
Value days_since(const Value& instant, std::int64_t now_ms);
// The same in SQL over the instant's SQL expression, with $now for the clock (see FieldInfo::sql).
std::string days_since_sql(const Dialect& d, std::string_view instant_sql);

}  // namespace crmkit::rules::semantics
