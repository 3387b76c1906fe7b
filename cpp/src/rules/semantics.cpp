#include "crmkit/rules/semantics.hpp"

#include <nlohmann/json.hpp>

namespace crmkit::rules::semantics {

namespace {
int rank(const Value& v) {
  if (v.is_null()) return 0;
  if (v.is_numeric()) return 1;
  if (v.is_string()) return 2;
  return 3;
}
template <typename T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
std::int64_t as_integer(const Value& v) { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int(); }
}  // namespace

int compare(const Value& a, const Value& b) {
  const int ra = rank(a);
  const int rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 1) {
    const bool a_real = a.is_double();
    const bool b_real = b.is_double();
    if (!a_real && !b_real) return three_way(as_integer(a), as_integer(b));
    if (a_real && b_real) return compare_doubles(a.as_double(), b.as_double());
    if (a_real) return -compare_int_double(as_integer(b), a.as_double());
    return compare_int_double(as_integer(a), b.as_double());
  }
  if (ra == 2) return compare_text(a.as_string(), b.as_string());
  if (ra == 3) return three_way(a.as_list(), b.as_list());
  return 0;
}

Value literal(const Operand& op, std::int64_t now_ms) {
  if (op.relative) {
    const std::int64_t at = now_ms + offset_ms(op.count, op.unit);  // an exact instant
    // Against a date field (labels of local days) the instant is read as the local wall clock.
    return Value(op.calendar ? op.zone.to_local(at) : at);
  }
  if (op.value.is_bool()) return Value(static_cast<std::int64_t>(op.value.as_bool() ? 1 : 0));
  return op.value;
}

std::vector<Value> literals(const Node& n, std::int64_t now_ms) {
  std::vector<Value> out;
  out.reserve(n.args.size());
  for (const auto& a : n.args) out.push_back(literal(a, now_ms));
  return out;
}

std::string text_operand_sql(const Dialect& d, std::string_view field_sql) {
  const std::string f(field_sql);
  return "(CASE WHEN " + d.is_text(f) + " THEN " + f + " END)";
}

bool holds(Op op, const Value& v, const std::vector<Value>& lits) {
  if (op == Op::IsNull || op == Op::IsNotNull) return v.is_null() == (op == Op::IsNull);
  if (v.is_null()) return on_null(op);
  if (is_comparison(op)) return comparison(op, lits.size(), [&](std::size_t i) { return compare(v, lits[i]); });
  const bool positive = op == Op::Contains || op == Op::StartsWith;
  const std::string& needle = lits[0].as_string();
  if ((op == Op::Contains || op == Op::NotContains) && v.is_list()) return list_contains(v.as_list(), needle) == positive;
  const std::string* s = text_operand(v);
  if (s == nullptr) return on_null(op);
  if (op == Op::Contains || op == Op::NotContains) return text_contains(*s, needle) == positive;
  if (op == Op::StartsWith || op == Op::NotStartsWith) return text_starts_with(*s, needle) == positive;
  return false;  // has_tag/in_group are not value predicates
}

Value multi_enum_value(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Value();
  Value::List items;
  for (const auto& e : j) {
    if (e.is_string()) items.push_back(e.get<std::string>());
  }
  return Value(std::move(items));
}

std::string multi_enum_is_list_sql(const Dialect& d, std::string_view field_sql) { return d.json_is_array(field_sql); }

std::string multi_enum_list_sql(const Dialect& d, std::string_view field_sql) {
  const std::string f(field_sql);
  return "(CASE WHEN " + d.json_is_array(f) + " THEN " + f + " END)";
}

Value days_since(const Value& instant, std::int64_t now_ms) {
  // Mirrors days_since_sql step by step: SQLite redoes an integer operation that overflows in
  // doubles, and so does this.
  if (!instant.is_int()) return Value();
  const std::int64_t t = instant.as_int();
  constexpr double kDay = static_cast<double>(kMsPerDay);
  if (now_ms >= t) {
    std::int64_t diff = 0;
    if (!__builtin_sub_overflow(now_ms, t, &diff)) return Value(diff / kMsPerDay);
    return Value((static_cast<double>(now_ms) - static_cast<double>(t)) / kDay);
  }
  std::int64_t ahead = 0;
  if (__builtin_sub_overflow(t, now_ms, &ahead)) {
    return Value(-(((static_cast<double>(t) - static_cast<double>(now_ms)) + kDay - 1.0) / kDay));
  }
  std::int64_t up = 0;
  if (__builtin_add_overflow(ahead, kMsPerDay, &up)) return Value(-((static_cast<double>(ahead) + kDay - 1.0) / kDay));
  return Value(-((up - 1) / kMsPerDay));
}

std::string days_since_sql(const Dialect& d, std::string_view instant_sql) {
  const std::string t(instant_sql);
  const std::string day = std::to_string(kMsPerDay);
  return "(CASE WHEN NOT " + d.is_integer(t) + " THEN NULL WHEN $now >= " + t + " THEN ($now - " + t + ") / " + day +
         " ELSE -((" + t + " - $now + " + day + " - 1) / " + day + ") END)";
}

}  // namespace crmkit::rules::semantics
