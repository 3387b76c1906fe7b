#include "crmkit/rules/evaluate.hpp"

#include "crmkit/rules/semantics.hpp"

namespace crmkit::rules {

Record::~Record() = default;

namespace {

// A leaf on an already-fetched value; `v` is ignored for has_tag/in_group. The meaning of every
// operator, NULL included, is semantics::holds.
bool leaf(const Node& n, const Value& v, const Record& record, std::int64_t now_ms) {
  switch (n.op) {
    case Op::HasTag: return record.has_tag(n.args[0].value.as_string());
    case Op::InGroup: return record.in_group(n.args[0].value.as_string());
    default: return semantics::holds(n.op, v, semantics::literals(n, now_ms));
  }
}

Value fetch(const Rule& rule, const Node& n, const Record& record) {
  if (n.field < 0) return Value();
  return record.get(rule.fields()[static_cast<std::size_t>(n.field)]);
}

bool eval(const Rule& rule, std::int32_t index, const Record& record, std::int64_t now_ms) {
  const Node& n = rule.node(index);
  switch (n.op) {
    case Op::And:
      for (const auto c : n.children) {
        if (!eval(rule, c, record, now_ms)) return false;
      }
      return true;
    case Op::Or:
      for (const auto c : n.children) {
        if (eval(rule, c, record, now_ms)) return true;
      }
      return false;
    case Op::Not: return !eval(rule, n.children[0], record, now_ms);
    default: return leaf(n, fetch(rule, n, record), record, now_ms);
  }
}

bool explain_node(const Rule& rule, std::int32_t index, int depth, const Record& record,
                  std::int64_t now_ms, std::vector<ClauseResult>& out) {
  const Node& n = rule.node(index);
  const std::size_t slot = out.size();
  out.push_back(ClauseResult{rule.source(n), {}, false, depth});
  bool result = false;
  switch (n.op) {
    case Op::And:
    case Op::Or: {
      result = n.op == Op::And;
      for (const auto c : n.children) {
        const bool r = explain_node(rule, c, depth + 1, record, now_ms, out);
        result = n.op == Op::And ? (result && r) : (result || r);
      }
      break;
    }
    case Op::Not: result = !explain_node(rule, n.children[0], depth + 1, record, now_ms, out); break;
    case Op::HasTag:
    case Op::InGroup:
      result = leaf(n, Value(), record, now_ms);
      out[slot].value = result ? "true" : "false";
      break;
    default: {
      const Value v = fetch(rule, n, record);
      result = leaf(n, v, record, now_ms);
      out[slot].value = render_value(v, rule.fields()[static_cast<std::size_t>(n.field)].type);
    }
  }
  out[slot].result = result;
  return result;
}

}  // namespace

bool evaluate(const Rule& rule, const Record& record, std::int64_t now_ms) {
  if (rule.nodes().empty()) return false;
  return eval(rule, rule.root(), record, now_ms);
}

std::vector<ClauseResult> explain(const Rule& rule, const Record& record, std::int64_t now_ms) {
  std::vector<ClauseResult> out;
  if (!rule.nodes().empty()) explain_node(rule, rule.root(), 0, record, now_ms, out);
  return out;
}

}  // namespace crmkit::rules
