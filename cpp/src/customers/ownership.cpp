// The pool's writes of customer owners (see crmkit/customers/ownership.hpp).
#include "crmkit/customers/ownership.hpp"

#include "crmkit/customers/locks.hpp"

namespace crmkit::customers {

void set_owner(const Context& ctx, std::int64_t customer_id, std::optional<std::int64_t> owner, const char* action) {
  require_unlocked(ctx, customer_id, action);  // the owner is one of the fields a lock freezes
  ctx.db()
      .prepare("UPDATE customers SET owner_id = ?, version = version + 1, updated_at = ? WHERE id = ?")
      .bind_all(owner, ctx.now(), customer_id)
      .exec();
}

void clear_owners(const Context& ctx, const std::string& ids_sql, const std::vector<Value>& params) {
  auto q = ctx.db().prepare("UPDATE customers SET owner_id = NULL, version = version + 1, updated_at = ? WHERE id IN (" +
                            ids_sql + ")");
  int i = 0;
  q.bind(++i, ctx.now());
  for (const auto& p : params) q.bind(++i, p);
  q.exec();
}

}  // namespace crmkit::customers
