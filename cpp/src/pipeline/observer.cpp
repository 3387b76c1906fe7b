// What the pipeline asks the workflow domain without depending on it (see crmkit/pipeline/observer.hpp).
#include "crmkit/pipeline/observer.hpp"

namespace crmkit::pipeline {
namespace {

struct InstalledLookup {
  PendingStepLookup lookup;
};

}  // namespace

void set_pending_step_lookup(Engine& engine, PendingStepLookup lookup) {
  engine.extension<InstalledLookup>().lookup = std::move(lookup);
}

std::optional<std::string> pending_step(const Context& ctx, std::int64_t request_id) {
  const auto& lookup = ctx.live().extension<InstalledLookup>().lookup;
  return lookup ? lookup(ctx, request_id) : std::nullopt;
}

}  // namespace crmkit::pipeline
