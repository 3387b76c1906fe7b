// The approval lock of a customer (see crmkit/customers/locks.hpp).
#include "crmkit/customers/locks.hpp"

#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"

namespace crmkit::customers {

void set_approval_lock(const Context& ctx, std::int64_t customer_id, std::optional<std::int64_t> request,
              const std::optional<std::string>& step) {
  // Neither version nor updated_at moves: the lock is not an edit of the customer, and a caller
  // holding the version it read before the request started can edit once the request ends.
  // The lock (locked_by_request, a field of the record) is an event when it changes; the step it
  // waits at (for the Conflict message) moves with every step of the same request.
  const auto at_step = request ? step : std::optional<std::string>();
  auto lock = ctx.db().prepare(
      "UPDATE customers SET locked_by_request = ?1, locked_step = ?2 WHERE id = ?3 AND "
      "locked_by_request IS DISTINCT FROM ?1 RETURNING id");
  lock.bind_all(request, at_step, customer_id);
  if (lock.step()) {
    lock.reset();
    events::customer(ctx, events::ChangeKind::Updated, customer_id, {"locked_by_request"});
    return;
  }
  lock.reset();
  ctx.db().prepare("UPDATE customers SET locked_step = ? WHERE id = ?").bind_all(at_step, customer_id).exec();
}

void require_unlocked(const Context& ctx, std::int64_t customer_id, const char* action) {
  auto q = ctx.db().prepare("SELECT locked_by_request, locked_step FROM customers WHERE id = ?");
  q.bind_all(customer_id);
  if (!q.step() || q.is_null(0)) return;
  std::string step = q.is_null(1) ? "" : " at step '" + q.get_text(1) + "'";
  throw Conflict("customer " + std::to_string(customer_id) + " is locked by approval request " +
                 std::to_string(q.get_int(0)) + " (pending" + step + "); it cannot " + action +
                 " until the request is approved, rejected or recalled");
}

}  // namespace crmkit::customers
