// Every contact a view may read: one scoped join of contacts and customers, so exporting all
// contacts costs one query rather than one per customer.
#include "crmkit/customers/contact_rows.hpp"

#include <algorithm>

#include "crmkit/paging.hpp"
#include "crmkit/schema/fields.hpp"
#include "customers_internal.h"

namespace crmkit::customers {

Table all_contacts(const Context& ctx, std::int64_t limit, std::int64_t offset) {
  paging::check(limit, offset);
  db::Transaction tx(ctx.db(), false);
  auto fields = schema::Fields(ctx).of("contact");
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  auto q = ctx.db().prepare(
      "SELECT k.id, k.customer_id, c.name, k.name, k.title, k.phone, k.email, k.created_at, k.updated_at, "
      "k.version, k.fields FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE " + scope.sql +
      " ORDER BY k.id LIMIT ? OFFSET ?");
  int i = 0;
  for (auto id : scope.params) q.bind(++i, id);
  q.bind(++i, limit);
  q.bind(++i, std::max<std::int64_t>(offset, 0));
  Table t;
  for (auto [n, ty] : {std::pair{"id", ColumnType::Int}, {"customer_id", ColumnType::Int},
                       {"customer_name", ColumnType::Text}, {"name", ColumnType::Text}, {"title", ColumnType::Text},
                       {"phone", ColumnType::Text}, {"email", ColumnType::Text}, {"created_at", ColumnType::Time},
                       {"updated_at", ColumnType::Time}, {"version", ColumnType::Int}})
    t.add_column(n, ty);
  std::size_t first = add_field_columns(t, fields);
  while (q.step()) {
    t.column(0).push_int(q.get_int(0));
    t.column(1).push_int(q.get_int(1));
    t.column(2).push_text(q.get_text(2));
    t.column(3).push_text(q.get_text(3));
    t.column(4).push_opt(q.get_opt_text(4));
    t.column(5).push_opt(q.get_opt_text(5));
    t.column(6).push_opt(q.get_opt_text(6));
    t.column(7).push_int(q.get_int(7));
    t.column(8).push_int(q.get_int(8));
    t.column(9).push_int(q.get_int(9));
    push_field_values(t, first, fields, fields.from_json(q.get_text(10)));
  }
  return t;
}

}  // namespace crmkit::customers
