#include "crmkit/relationship/install.hpp"

#include "crmkit/customers/catalog.hpp"
#include "crmkit/customers/hooks.hpp"
#include "crmkit/rules/semantics.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {
namespace {

// Every customer has a facts row from the moment it exists, so that readers can JOIN it and the
// incremental updates of interactions, orders and tickets are plain UPDATEs.
void create_facts_rows(const Context& ctx, std::int64_t first, std::int64_t last, std::int64_t at) {
  if (first == last) {
    ctx.db().prepare("INSERT INTO customer_facts(customer_id, updated_at) VALUES (?,?)").bind_all(first, at).exec();
    return;
  }
  ctx.db()
      .prepare("WITH RECURSIVE new_ids(id) AS (SELECT ?1 UNION ALL SELECT id + 1 FROM new_ids WHERE id < ?2) "
               "INSERT INTO customer_facts(customer_id, updated_at) SELECT id, ?3 FROM new_ids")
      .bind_all(first, last, at)
      .exec();
}

void add_fact_fields(const Context& ctx, rules::Catalog& c) {
  using rules::FieldType;
  auto add = [&](std::string name, FieldType type, std::string sql) {
    c.fields.push_back(rules::FieldInfo{std::move(name), type, std::move(sql), {}});
  };
  add("last_contact_at", FieldType::DateTime, "f.last_contact_at");
  // Whole days since the last contact as the rule language defines them (rounded down), the same
  // as the days_since_contact reported on the customer record and held by the segment store.
  add("days_since_contact", FieldType::Integer, rules::semantics::days_since_sql(ctx.db().dialect(), "f.last_contact_at"));
  c.fields.back().days_since_of = "last_contact_at";
  add("interaction_count", FieldType::Integer, "coalesce(f.interaction_count, 0)");
  add("order_count", FieldType::Integer, "coalesce(f.order_count, 0)");
  add("lifetime_value", FieldType::Number, "(coalesce(f.lifetime_value_cents, 0) / 100.0)");
  add("first_order_at", FieldType::DateTime, "f.first_order_at");
  add("last_order_at", FieldType::DateTime, "f.last_order_at");
  add("avg_satisfaction", FieldType::Number, "(f.satisfaction_sum * 1.0 / nullif(f.satisfaction_count, 0))");
  add("open_tickets", FieldType::Integer, "coalesce(f.open_tickets, 0)");
}

}  // namespace

void install(Engine& engine) {
  customers::on_created(engine, create_facts_rows);
  customers::set_facts_reader(engine, detail::facts_reader());
  customers::add_catalog_part(engine, customers::CatalogPart{
                                          "LEFT JOIN customer_facts f ON f.customer_id = c.id", add_fact_fields, {}, {}});
}

}  // namespace crmkit::relationship
