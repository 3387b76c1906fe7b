#include "crmkit/customers/install.hpp"

#include "crmkit/events/events.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/schema/hooks.hpp"

namespace crmkit::customers {
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

}  // namespace

void install(Engine& engine) {
  schema::on_stage_usage(engine, "lifecycle", "customers", count_in_stage("customers"));
  schema::on_field_removed(engine, "customer", clear_field_in("customers"));
  schema::on_field_removed(engine, "contact", clear_field_in("contacts"));
  // The fallback part: every entity no other domain claims belongs to a customer (a contact, an
  // order, a task...), and a view sees its events while it covers that customer.
  events::add_visibility_part(engine, events::VisibilityPart{{}, [](const org::Principal& who, std::vector<std::int64_t>& params) {
                                        auto f = who.owner_filter("customers", "c.owner_id");
                                        params.insert(params.end(), f.params.begin(), f.params.end());
                                        return "EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id AND " + f.sql + ")";
                                      }});
}

}  // namespace crmkit::customers
