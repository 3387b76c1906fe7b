#include "crmkit/customers/install.hpp"

#include "crmkit/events/events.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/schema/hooks.hpp"

namespace crmkit::customers {

void install(Engine& engine) {
  schema::on_stage_usage(engine, "lifecycle", "customers", schema::count_in_stage("customers"));
  schema::on_field_removed(engine, "customer", schema::clear_field_in("customers"));
  schema::on_field_removed(engine, "contact", schema::clear_field_in("contacts"));
  // The fallback part: every entity no other domain claims belongs to a customer (a contact, an
  // order, a task...), and a view sees its events while it covers that customer.
  events::add_visibility_part(engine, events::VisibilityPart{{}, [](const org::Principal& who, std::vector<std::int64_t>& params) {
                                        auto f = who.owner_filter("customers", "c.owner_id");
                                        params.insert(params.end(), f.params.begin(), f.params.end());
                                        return "EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id AND " + f.sql + ")";
                                      }});
}

}  // namespace crmkit::customers
