// The rule language end to end on arbitrary text: lexer, parser and checker against the customer
// catalog, the canonical rendering (parse(to_text(r)) renders the same), the SQL compiler, and
// the three evaluators (SQL, column store, explain) over a fixed population, which must agree.
#include "crmkit/customers/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/sql.hpp"
#include "fuzz_engine.hpp"

using namespace crmkit;

namespace {
struct World {
  Crm crm = fuzz::make_engine();
  std::vector<std::int64_t> ids;
  World() {
    rule_world::populate(crm, rule_world::seeded(20261202u), 30, fuzz::kNow);
    ids = rule_world::all_ids(crm);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Context& ctx = world.crm.context();
  const auto catalog = customers::customer_catalog(ctx);
  rules::Rule rule;
  if (!fuzz::accepted([&] { rule = rules::parse(text, catalog); })) return 0;
  // The canonical text is itself a rule, and a fixed point.
  const std::string canonical = rules::to_text(rule);
  rules::Rule again;
  if (!fuzz::accepted([&] { again = rules::parse(canonical, catalog); }))
    fuzz::finding("the canonical text of an accepted rule does not parse: " + canonical);
  if (rules::to_text(again) != canonical) fuzz::finding("to_text is not a fixed point: " + canonical);
  (void)rules::fields_used(rule);
  fuzz::accepted([&] { (void)rules::compile(rule, catalog, fuzz::kNow); });
  fuzz::three_ways_agree(world.crm, text, world.ids);
  return 0;
}
