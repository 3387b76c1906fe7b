// Differential: a fresh engine per input, with customers and rules both drawn from the fuzzer's
// bytes (so mutations steer the data as well as the rule), and the compiled SQL, the column
// store and the explain evaluator required to return the same members for every rule — at the
// fixed "now" and at instants across the next day boundary. The seeded version of this check
// is tests/cpp/rule_semantics_test.cpp.
#include "crmkit/customers/catalog.hpp"
#include "rule_world.hpp"

using namespace crmkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const fuzz::Pick pick = [&](int lo, int hi) { return in.ConsumeIntegralInRange<int>(lo, hi); };
  Crm crm = fuzz::make_engine();
  fuzz::populate(crm, pick, pick(0, 12));
  const auto ids = fuzz::all_ids(crm);
  for (int r = pick(1, 6); r > 0; --r) {
    crm.clock().freeze(fuzz::kNow + pick(-2, 2) * 12 * 3600000LL + pick(-1, 1));
    fuzz::three_ways_agree(crm, fuzz::random_rule(pick), ids);
  }
  return 0;
}
