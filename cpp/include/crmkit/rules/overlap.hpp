// crmkit/rules/overlap.hpp — can two rules hold for the same record? A conservative numeric
// interval analysis, used to warn about overlapping segments or assignment rules.
//
// Behaviour of overlap(a, b):
//   * Each rule is split into its top-level conjuncts (a rule that is not an `and` is one
//     conjunct). A conjunct is a *bound* when it is `=`, `<`, `<=`, `>`, `>=` or `between` on a
//     number or integer field with plain literals. Bounds on the same field are intersected;
//     integer fields use integer arithmetic (`x > 2.5` is `x >= 3`).
//   * If the bounds of both rules together leave some field with an empty range, the result is
//     std::nullopt: no record can satisfy both (this holds even if other conjuncts exist).
//   * Otherwise, if every conjunct of both rules is a bound, the result describes the joint
//     ranges, fields in order of first use, e.g. "amount in [100000, 500000)" or
//     "amount in [100000, 500000) and score = 3"; "-inf"/"+inf" mark open ends. Fields are
//     treated as independent.
//   * Otherwise (or/not at the top, other operators, relative dates, other field types, rules of
//     different entities) the result is exactly "may overlap".
//
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>

#include "crmkit/rules/rule.hpp"

namespace crmkit::rules {

std::optional<std::string> overlap(const Rule& a, const Rule& b);

}  // namespace crmkit::rules
