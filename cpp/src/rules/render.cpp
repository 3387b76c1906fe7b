#include <string>

#include "common_internal.h"
#include "crmkit/rules/evaluate.hpp"
#include "crmkit/rules/rule.hpp"

namespace crmkit::rules {

namespace {

bool is_keyword(std::string_view name) {
  static constexpr std::string_view kWords[] = {
      "and", "or", "not", "in", "between", "contains", "starts_with", "is", "null",
      "true", "false", "now", "has_tag", "in_group"};
  std::string lower(name);
  for (auto& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (auto w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

std::string field_text(std::string_view name) {
  const std::u32string cps = detail::to_u32(name);
  bool plain = !cps.empty() && detail::is_ident_start(cps[0]) && !is_keyword(name);
  for (const char32_t c : cps) plain = plain && detail::is_ident_part(c);
  if (plain) return std::string(name);
  std::string out = "`";
  for (const char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string operand_text(const Operand& op, FieldType type) {
  if (op.relative) {
    if (op.count == 0) return "now";
    const std::int64_t magnitude = op.count < 0 ? -op.count : op.count;
    return std::string("now ") + (op.count < 0 ? "- " : "+ ") + std::to_string(magnitude) + op.unit;
  }
  const Value& v = op.value;
  if (v.is_string()) return detail::quote_string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_double()) return detail::format_double(v.as_double());
  if (v.is_int()) {
    if (type == FieldType::Date || type == FieldType::DateTime) {
      // A bare date on a datetime field would be read back as a local midnight: outside UTC,
      // instants print in full with their Z.
      if (type == FieldType::DateTime && !op.zone.is_utc()) return detail::quote_string(detail::format_datetime(v.as_int()));
      return detail::quote_string(detail::format_instant(v.as_int()));
    }
    return std::to_string(v.as_int());
  }
  return "null";
}

void print(const Rule& rule, std::int32_t index, std::string& out) {
  const Node& n = rule.node(index);
  switch (n.op) {
    case Op::And:
    case Op::Or: {
      bool first = true;
      for (const auto child : n.children) {
        if (!first) out += n.op == Op::And ? " and " : " or ";
        first = false;
        // Only an `or` under an `and` needs parentheses; nested same-op groups flatten.
        const bool wrap = n.op == Op::And && rule.node(child).op == Op::Or;
        if (wrap) out += '(';
        print(rule, child, out);
        if (wrap) out += ')';
      }
      return;
    }
    case Op::Not: {
      const Op child_op = rule.node(n.children[0]).op;
      const bool bare = child_op == Op::Not || child_op == Op::HasTag || child_op == Op::InGroup;
      out += bare ? "not " : "not (";
      print(rule, n.children[0], out);
      if (!bare) out += ')';
      return;
    }
    case Op::HasTag:
    case Op::InGroup:
      out += op_name(n.op);
      out += '(';
      out += detail::quote_string(n.args[0].value.as_string());
      out += ')';
      return;
    default: break;
  }
  const FieldInfo& f = rule.fields()[static_cast<std::size_t>(n.field)];
  out += field_text(f.name);
  out += ' ';
  out += op_name(n.op);
  switch (n.op) {
    case Op::IsNull:
    case Op::IsNotNull: return;
    case Op::In:
    case Op::NotIn: {
      out += " (";
      for (std::size_t i = 0; i < n.args.size(); ++i) {
        if (i) out += ", ";
        out += operand_text(n.args[i], f.type);
      }
      out += ')';
      return;
    }
    case Op::Between:
    case Op::NotBetween:
      out += ' ' + operand_text(n.args[0], f.type) + " and " + operand_text(n.args[1], f.type);
      return;
    default:
      out += ' ' + operand_text(n.args[0], f.type);
  }
}

}  // namespace

std::string to_text(const Rule& rule) {
  std::string out;
  if (!rule.nodes().empty()) print(rule, rule.root(), out);
  return out;
}

std::vector<std::string> fields_used(const Rule& rule) {
  std::vector<std::string> names;
  names.reserve(rule.fields().size());
  for (const auto& f : rule.fields()) names.push_back(f.name);
  return names;
}

std::string render_value(const Value& value, FieldType type) {
  if (value.is_null()) return "null";
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  if (value.is_int()) {
    if (type == FieldType::Date) return detail::format_date(value.as_int());
    if (type == FieldType::DateTime) return detail::format_datetime(value.as_int());
    if (type == FieldType::Bool) return value.as_int() != 0 ? "true" : "false";
    return std::to_string(value.as_int());
  }
  if (value.is_double()) return detail::format_double(value.as_double());
  if (value.is_string()) return detail::quote_string(value.as_string());
  std::string out = "[";
  for (std::size_t i = 0; i < value.as_list().size(); ++i) {
    if (i) out += ", ";
    out += detail::quote_string(value.as_list()[i]);
  }
  return out + "]";
}

}  // namespace crmkit::rules
