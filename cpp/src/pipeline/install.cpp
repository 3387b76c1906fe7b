#include "crmkit/pipeline/install.hpp"

#include "crmkit/customers/hooks.hpp"
#include "crmkit/events/events.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/schema/hooks.hpp"

namespace crmkit::pipeline {
namespace {

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
  schema::on_stage_usage(engine, "pipeline", "opportunities", schema::count_in_stage("opportunities"));
  schema::on_field_removed(engine, "opportunity", schema::clear_field_in("opportunities"));
  schema::on_field_removed(engine, "lead", schema::clear_field_in("leads"));
  events::add_visibility_part(engine, owned_by_scope("opportunity", "opportunities", "opportunities"));
  events::add_visibility_part(engine, owned_by_scope("lead", "leads", "leads"));
  // A deal is won when it enters the won state; closed_at is that moment.
  customers::set_won_deals_sql(engine,
                               "SELECT o.customer_id, o.closed_at AS won_at FROM opportunities o "
                               "WHERE o.status = 'won' AND o.customer_id IS NOT NULL");
}

}  // namespace crmkit::pipeline
