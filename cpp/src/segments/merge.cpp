// The segments domain's step of a merge (crmkit/segments/merge.hpp).
#include "crmkit/segments/merge.hpp"

namespace crmkit::segments {

std::int64_t move_group_memberships(const Context& ctx, std::int64_t from, std::int64_t to) {
  auto& db = ctx.db();
  // Only the memberships of groups that do not already hold the kept customer move (a group holds
  // a customer once).
  const int moved = db.prepare(
                          "UPDATE group_members SET customer_id = ?1 WHERE customer_id = ?2 AND group_id NOT IN "
                          "(SELECT group_id FROM group_members WHERE customer_id = ?1)")
                        .bind_all(to, from)
                        .exec();
  // What is left were groups that held both customers.
  db.prepare("DELETE FROM group_members WHERE customer_id = ?").bind_all(from).exec();
  return moved;
}

}  // namespace crmkit::segments
