// The relationship domain's steps of a merge (crmkit/relationship/merge.hpp).
#include "crmkit/relationship/merge.hpp"

#include <string>
#include <vector>

#include "crmkit/events/emit.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

std::int64_t move_customer_records(const Context& ctx, std::int64_t from, std::int64_t to) {
  auto& db = ctx.db();
  std::int64_t moved = 0;
  for (auto [table, entity] : {std::pair{"interactions", "interaction"}, std::pair{"tasks", "task"},
                               std::pair{"tickets", "ticket"}, std::pair{"orders", "order"}}) {
    auto q = db.prepare(std::string("SELECT id FROM ") + table + " WHERE customer_id = ? ORDER BY id");
    q.bind_all(from);
    std::vector<std::int64_t> ids;
    while (q.step()) ids.push_back(q.get_int(0));
    if (ids.empty()) continue;
    db.prepare(std::string("UPDATE ") + table + " SET customer_id = ? WHERE customer_id = ?").bind_all(to, from).exec();
    for (auto id : ids) events::emit(ctx, events::ChangeKind::Updated, entity, id, to, {"customer_id"});
    moved += static_cast<std::int64_t>(ids.size());
  }
  // Claim history counts toward the daily claim limits of whoever claimed the customer.
  db.prepare("UPDATE pool_claims SET customer_id = ? WHERE customer_id = ?").bind_all(to, from).exec();
  detail::facts_recompute_contacts(ctx, to);
  detail::facts_recompute_orders(ctx, to);
  detail::facts_recompute_tickets(ctx, to);
  return moved;
}

}  // namespace crmkit::relationship
