// Differential: a fresh engine per input, with customers and rules both drawn from the fuzzer's
// bytes (so mutations steer the data as well as the rule), and the compiled SQL, the column
// store and the explain evaluator required to return the same members for every rule — at the
// fixed "now" and at instants across the next day boundary. The seeded version of this check
// is tests/cpp/rule_semantics_test.cpp; both draw from tests/support/rule_world.hpp.
#include "fuzz_engine.hpp"

using namespace crmkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const rule_world::Chooser pick = fuzz::chooser(in);
  Crm crm = fuzz::make_engine();
  rule_world::populate(crm, pick, pick.u(0, 12), fuzz::kNow);
  const auto ids = rule_world::all_ids(crm);
  rule_world::RuleGen rules(pick);
  for (int r = pick.u(1, 6); r > 0; --r) {
    crm.clock().freeze(fuzz::kNow + pick.u(-2, 2) * 12 * rule_world::kHour + pick.u(-1, 1));
    fuzz::three_ways_agree(crm, rules.rule(), ids);
  }
  return 0;
}
