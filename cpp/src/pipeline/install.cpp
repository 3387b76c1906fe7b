#include "crmkit/pipeline/install.hpp"

#include "crmkit/events/events.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/schema/hooks.hpp"

namespace crmkit::pipeline {
namespace {

// Clears custom field `name` from the JSON of every row of `table` that has it.
schema::FieldRemoved clear_field_in(std::string table) {
  return [table = std::move(table)](const Context& ctx, const std::string& name) {
    const Dialect& d = ctx.db().dialect();
    ctx.db()
        .prepare("UPDATE " + table + " SET fields = " + d.json_without("fields", name) + " WHERE " + d.json_has("fields", name))
        .exec();
  };
}

// How many rows of `table` stand in a stage.
schema::StageUsage count_in_stage(std::string table) {
  return [table = std::move(table)](const Context& ctx, const std::string& stage) {
    auto q = ctx.db().prepare("SELECT count(*) FROM " + table + " WHERE stage = ?");
    q.bind_all(stage);
    q.step();
    return q.get_int(0);
  };
}

// Events of `entity` rows of `table` whose owner the principal covers under `scope`.
events::VisibilityPart owned_by_scope(const char* entity, const char* table, const char* scope) {
  return events::VisibilityPart{
      {entity}, [=](const org::Principal& who, std::vector<std::int64_t>& params) {
        auto f = who.owner_filter(scope, "x.owner_id");
        params.insert(params.end(), f.params.begin(), f.params.end());
        return std::string("EXISTS (SELECT 1 FROM ") + table + " x WHERE x.id = e.entity_id AND " + f.sql + ")";
      }};
}

}  // namespace

void install(Engine& engine) {
  schema::on_stage_usage(engine, "pipeline", "opportunities", count_in_stage("opportunities"));
  schema::on_field_removed(engine, "opportunity", clear_field_in("opportunities"));
  schema::on_field_removed(engine, "lead", clear_field_in("leads"));
  events::add_visibility_part(engine, owned_by_scope("opportunity", "opportunities", "opportunities"));
  events::add_visibility_part(engine, owned_by_scope("lead", "leads", "leads"));
}

}  // namespace crmkit::pipeline
