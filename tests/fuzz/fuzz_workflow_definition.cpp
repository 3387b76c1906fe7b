// Workflow-definition validation on arbitrary text: JSON parsing, the shape checks, approver
// specs, embedded rules, triggers and the database checks (users, roles, teams, stages) must
// answer with problems or a crmkit::Error, never crash or throw anything else; and a definition
// that validate() finds sound must be accepted by define().
#include "crmkit/workflow/workflows.hpp"
#include "fuzz_engine.hpp"

using namespace crmkit;

namespace {
struct World {
  Crm crm = fuzz::make_engine();
  World() {
    const auto boss = crm.users().add({"boss", "Boss", "manager", {}, {}, {}});
    crm.users().add({"alice", "Alice", "sales", {}, boss.id, {}});
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto workflows = world.crm.workflows();
  std::vector<workflow::Problem> problems;
  if (!fuzz::accepted([&] { problems = workflows.validate(text); })) return 0;
  for (const auto& p : problems)
    if (p.path.empty() || p.path[0] != '$') fuzz::finding("a problem without a JSON path: " + p.message);
  if (problems.empty() && !fuzz::accepted([&] { workflows.define(text); }))
    fuzz::finding("validate() found no problem but define() refused: " + text);
  return 0;
}
