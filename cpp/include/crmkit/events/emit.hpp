// crmkit/events/emit.hpp — the one-line call every write site makes to put its change on the feed.
//
// Each helper records the change in the open transaction's change feed (crmkit/db/change_feed.hpp)
// at the transaction's time; nothing is written until the outermost transaction commits, and a
// rollback discards it. Payloads carry field names only, never values.
//
// Thread-safety: call inside a db::Transaction (under the Database mutex), like any write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/db/change_feed.hpp"

namespace crmkit::events {

using db::ChangeKind;

// A change of `entity` `id`, belonging to customer `customer_id` (empty: no customer).
inline void emit(const Context& ctx, ChangeKind kind, const char* entity, std::int64_t id,
                 std::optional<std::int64_t> customer_id, const std::vector<std::string>& fields = {}) {
  ctx.db().feed().record(ctx.db(), ctx.now(), kind, entity, id, customer_id, fields);
}

// A change of a customer record (its row, tags, stage, owner or group memberships).
inline void customer(const Context& ctx, ChangeKind kind, std::int64_t id, const std::vector<std::string>& fields = {}) {
  emit(ctx, kind, "customer", id, id, fields);
}

// The same change of many customers (bulk writes).
inline void customers(const Context& ctx, ChangeKind kind, const std::vector<std::int64_t>& ids,
                      const std::vector<std::string>& fields = {}) {
  ctx.db().feed().record_many(ctx.db(), ctx.now(), kind, "customer", ids, true, fields);
}

}  // namespace crmkit::events
