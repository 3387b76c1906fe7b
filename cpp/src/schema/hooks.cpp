// What the domains that store records do when the schema changes (see crmkit/schema/hooks.hpp).
#include "crmkit/schema/hooks.hpp"

#include <map>

namespace crmkit::schema {
namespace {

struct Installed {
  std::map<std::string, std::pair<std::string, StageUsage>> stage_usage;  // by stage kind
  std::multimap<std::string, FieldRemoved> field_removed;                 // by entity
};

}  // namespace

void on_stage_usage(Engine& engine, const std::string& kind, const std::string& noun, StageUsage usage) {
  engine.extension<Installed>().stage_usage[kind] = {noun, std::move(usage)};
}

void on_field_removed(Engine& engine, const std::string& entity, FieldRemoved hook) {
  engine.extension<Installed>().field_removed.emplace(entity, std::move(hook));
}

FieldRemoved clear_field_in(std::string table) {
  return [table = std::move(table)](const Context& ctx, const std::string& name) {
    const Dialect& d = ctx.db().dialect();
    ctx.db()
        .prepare("UPDATE " + table + " SET fields = " + d.json_without("fields", name) + " WHERE " + d.json_has("fields", name))
        .exec();
  };
}

StageUsage count_in_stage(std::string table) {
  return [table = std::move(table)](const Context& ctx, const std::string& stage) {
    auto q = ctx.db().prepare("SELECT count(*) FROM " + table + " WHERE stage = ?");
    q.bind_all(stage);
    q.step();
    return q.get_int(0);
  };
}

namespace hooks {

std::optional<Usage> stage_usage(const Context& ctx, const std::string& kind, const std::string& stage) {
  const auto& all = ctx.live().extension<Installed>().stage_usage;
  auto it = all.find(kind);
  if (it == all.end()) return std::nullopt;
  return Usage{it->second.first, it->second.second(ctx, stage)};
}

void field_removed(const Context& ctx, const std::string& entity, const std::string& name) {
  auto [first, last] = ctx.live().extension<Installed>().field_removed.equal_range(entity);
  for (auto it = first; it != last; ++it) it->second(ctx, name);
}

}  // namespace hooks
}  // namespace crmkit::schema
