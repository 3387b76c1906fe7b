// The engine the rule, workflow, change-feed and CSV targets run against, and the rule
// differential check as a fuzz finding: the world of tests/support/rule_world.hpp (shared with
// tests/cpp/rule_semantics_test.cpp), with its random decisions taken from the fuzzer's bytes.
#pragma once

#include "../support/rule_world.hpp"
#include "fuzz_support.hpp"

namespace crmkit::fuzz {

using rule_world::kDay;
using rule_world::kNow;
using rule_world::make_engine;

// Decisions from the fuzzer's bytes (0s once they run out), so mutations steer data and rules.
inline rule_world::Chooser chooser(FuzzedDataProvider& in) {
  return rule_world::Chooser([&in](int lo, int hi) { return in.ConsumeIntegralInRange<int>(lo, hi); });
}

// The compiled SQL, the column store and the explain evaluator must agree on the rule (on
// whether it is valid and on its members); a disagreement, or an exception that is not a
// crmkit::Error, is a finding. Returns whether the rule was valid.
inline bool three_ways_agree(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  rule_world::ThreeWays result;
  try {
    result = rule_world::three_ways(crm, text, ids);
  } catch (const std::exception& e) {
    finding("non-crmkit exception escaped on rule " + text + ": " + e.what());
  }
  if (!result.disagreement.empty()) finding(result.disagreement);
  return result.valid;
}

}  // namespace crmkit::fuzz
