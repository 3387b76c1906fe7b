// The pipeline domain's steps of a merge (crmkit/pipeline/merge.hpp).
#include "crmkit/pipeline/merge.hpp"

#include <string>
#include <vector>

#include "crmkit/events/emit.hpp"

namespace crmkit::pipeline {

std::int64_t move_customer_records(const Context& ctx, std::int64_t from, std::int64_t to) {
  auto& db = ctx.db();
  std::int64_t moved = 0;
  for (auto [table, entity] : {std::pair{"opportunities", "opportunity"}, std::pair{"leads", "lead"}}) {
    auto q = db.prepare(std::string("SELECT id FROM ") + table + " WHERE customer_id = ? ORDER BY id");
    q.bind_all(from);
    std::vector<std::int64_t> ids;
    while (q.step()) ids.push_back(q.get_int(0));
    if (ids.empty()) continue;
    db.prepare(std::string("UPDATE ") + table + " SET customer_id = ? WHERE customer_id = ?").bind_all(to, from).exec();
    for (auto id : ids)
      events::emit(ctx, events::ChangeKind::Updated, entity, id,
                   std::string(entity) == "lead" ? std::nullopt : std::optional<std::int64_t>(to), {"customer_id"});
    moved += static_cast<std::int64_t>(ids.size());
  }
  return moved;
}

}  // namespace crmkit::pipeline
