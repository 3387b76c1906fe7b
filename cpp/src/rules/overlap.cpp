#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "common_internal.h"
#include "crmkit/rules/overlap.hpp"

namespace crmkit::rules {

namespace {

struct Bound {
  bool present = false;
  Value value;
  bool inclusive = false;
};

// Bounds on one field, kept twice: as written (for the description) and, for integer fields,
// rounded to integers (so that `x > 2 and x < 3` is recognised as empty).
struct Range {
  std::string name;
  FieldType type = FieldType::Number;
  Bound lo, hi;
  bool int_empty = false;
  bool int_lo_set = false, int_hi_set = false;
  std::int64_t int_lo = 0, int_hi = 0;
};

constexpr double kTwo63 = 9223372036854775808.0;

void tighten(Bound& b, const Value& v, bool inclusive, bool lower) {
  if (!b.present) {
    b = Bound{true, v, inclusive};
    return;
  }
  const int c = semantics::compare(v, b.value);
  const bool tighter = lower ? c > 0 : c < 0;
  if (tighter || (c == 0 && !inclusive)) b = Bound{true, v, inclusive};
}

// Integer-rounded lower bound: the smallest integer satisfying x > v (or x >= v).
void int_lower(Range& r, const Value& v, bool inclusive) {
  std::int64_t L = 0;
  if (v.is_int()) {
    if (inclusive) {
      L = v.as_int();
    } else if (v.as_int() == std::numeric_limits<std::int64_t>::max()) {
      r.int_empty = true;
      return;
    } else {
      L = v.as_int() + 1;
    }
  } else {
    const double d = inclusive ? std::ceil(v.as_double()) : std::floor(v.as_double()) + 1;
    if (d >= kTwo63) {
      r.int_empty = true;
      return;
    }
    if (d < -kTwo63) return;  // no integer is below it: not a constraint
    L = static_cast<std::int64_t>(d);
  }
  if (!r.int_lo_set || L > r.int_lo) r.int_lo = L;
  r.int_lo_set = true;
}

void int_upper(Range& r, const Value& v, bool inclusive) {
  std::int64_t H = 0;
  if (v.is_int()) {
    if (inclusive) {
      H = v.as_int();
    } else if (v.as_int() == std::numeric_limits<std::int64_t>::min()) {
      r.int_empty = true;
      return;
    } else {
      H = v.as_int() - 1;
    }
  } else {
    const double d = inclusive ? std::floor(v.as_double()) : std::ceil(v.as_double()) - 1;
    if (d < -kTwo63) {
      r.int_empty = true;
      return;
    }
    if (d >= kTwo63) return;
    H = static_cast<std::int64_t>(d);
  }
  if (!r.int_hi_set || H < r.int_hi) r.int_hi = H;
  r.int_hi_set = true;
}

void add_bound(Range& r, const Value& v, bool inclusive, bool lower) {
  tighten(lower ? r.lo : r.hi, v, inclusive, lower);
  if (r.type == FieldType::Integer) {
    if (lower) {
      int_lower(r, v, inclusive);
    } else {
      int_upper(r, v, inclusive);
    }
  }
}

bool is_bound(const Rule& rule, const Node& n) {
  if (n.field < 0) return false;
  const FieldType t = rule.fields()[static_cast<std::size_t>(n.field)].type;
  if (t != FieldType::Number && t != FieldType::Integer) return false;
  switch (n.op) {
    case Op::Eq: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Between:
      return true;
    default:
      return false;
  }
}

bool empty(const Range& r) {
  if (r.type == FieldType::Integer) {
    if (r.int_empty) return true;
    if (r.int_lo_set && r.int_hi_set && r.int_lo > r.int_hi) return true;
  }
  if (!r.lo.present || !r.hi.present) return false;
  const int c = semantics::compare(r.lo.value, r.hi.value);
  return c > 0 || (c == 0 && !(r.lo.inclusive && r.hi.inclusive));
}

std::string number_text(const Value& v) {
  return v.is_int() ? std::to_string(v.as_int()) : detail::format_double(v.as_double());
}

std::string describe(const Range& r) {
  if (r.lo.present && r.hi.present && r.lo.inclusive && r.hi.inclusive &&
      semantics::compare(r.lo.value, r.hi.value) == 0) {
    return r.name + " = " + number_text(r.lo.value);
  }
  std::string s = r.name + " in ";
  s += r.lo.present ? (r.lo.inclusive ? "[" : "(") + number_text(r.lo.value) : std::string("(-inf");
  s += ", ";
  s += r.hi.present ? number_text(r.hi.value) + (r.hi.inclusive ? "]" : ")") : std::string("+inf)");
  return s;
}

// Adds the rule's top-level bounds to `ranges`; returns whether every conjunct was a bound.
bool collect(const Rule& rule, std::vector<Range>& ranges) {
  if (rule.nodes().empty()) return false;
  const Node& root = rule.node(rule.root());
  std::vector<std::int32_t> conjuncts;
  if (root.op == Op::And) {
    conjuncts = root.children;
  } else {
    conjuncts.push_back(rule.root());
  }
  bool all_bounds = true;
  for (const auto idx : conjuncts) {
    const Node& n = rule.node(idx);
    bool plain = is_bound(rule, n);
    for (const auto& a : n.args) plain = plain && !a.relative;
    if (!plain) {
      all_bounds = false;
      continue;
    }
    const FieldInfo& f = rule.fields()[static_cast<std::size_t>(n.field)];
    Range* r = nullptr;
    for (auto& existing : ranges) {
      if (existing.name == f.name) r = &existing;
    }
    if (r == nullptr) {
      ranges.push_back(Range{});
      r = &ranges.back();
      r->name = f.name;
      r->type = f.type;
    }
    const Value& v = n.args[0].value;
    switch (n.op) {
      case Op::Eq: add_bound(*r, v, true, true); add_bound(*r, v, true, false); break;
      case Op::Gt: add_bound(*r, v, false, true); break;
      case Op::Ge: add_bound(*r, v, true, true); break;
      case Op::Lt: add_bound(*r, v, false, false); break;
      case Op::Le: add_bound(*r, v, true, false); break;
      case Op::Between:
        add_bound(*r, v, true, true);
        add_bound(*r, n.args[1].value, true, false);
        break;
      default: break;
    }
  }
  return all_bounds;
}

}  // namespace

std::optional<std::string> overlap(const Rule& a, const Rule& b) {
  if (a.entity() != b.entity()) return std::string("may overlap");
  std::vector<Range> ranges;
  const bool all_a = collect(a, ranges);
  const bool all_b = collect(b, ranges);
  for (const auto& r : ranges) {
    if (empty(r)) return std::nullopt;
  }
  if (!all_a || !all_b) return std::string("may overlap");
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += " and ";
    out += describe(r);
  }
  return out;
}

}  // namespace crmkit::rules
