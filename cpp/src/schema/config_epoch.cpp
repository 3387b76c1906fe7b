#include "crmkit/schema/config_epoch.hpp"

#include "crmkit/db/epoch.hpp"

namespace crmkit::schema {

namespace {
// The engine's one configuration epoch (a type of its own, so that it is its own extension).
struct ConfigEpoch : db::Epoch {};
}  // namespace

std::optional<std::uint64_t> config_epoch(const Context& ctx) {
  return ctx.live().extension<ConfigEpoch>().current(ctx.db());
}

void config_changed(const Context& ctx) { ctx.live().extension<ConfigEpoch>().changed(ctx.db()); }

}  // namespace crmkit::schema
