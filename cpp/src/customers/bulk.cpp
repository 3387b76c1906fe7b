// Changes that rules make to many customers at once (see crmkit/customers/bulk.hpp).
#include "crmkit/customers/bulk.hpp"

#include <algorithm>
#include <optional>

#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"

namespace crmkit::customers {
namespace {

struct Current {
  bool locked = false;
  bool has_tag = false;
  std::string stage;
};

// What one customer is now, as far as a bulk change needs to know; nullopt when it does not exist.
std::optional<Current> current(const Context& ctx, std::int64_t id, const std::string& tag) {
  auto q = ctx.db().prepare(
      "SELECT locked_by_request IS NOT NULL, stage, "
      "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?) FROM customers c WHERE c.id = ?");
  q.bind_all(tag, id);
  if (!q.step()) return std::nullopt;
  return Current{q.get_int(0) != 0, q.get_int(2) != 0, q.get_text(1)};
}

std::vector<std::int64_t> sorted(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Runs `change` on every customer of `ids` that `wants` a change and is not locked, then gives
// each changed customer its new version, history row and event.
template <class Wants, class Change>
BulkChange apply(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& tag,
                 const std::string& field, const std::string& reason, Wants wants, Change change) {
  BulkChange out;
  const std::int64_t now = ctx.now();
  auto bump = ctx.db().prepare("UPDATE customers SET version = version + 1, updated_at = ? WHERE id = ?");
  for (std::int64_t id : sorted(ids)) {
    auto cur = current(ctx, id, tag);
    if (!cur) continue;
    std::optional<std::string> old_value, new_value;
    if (!wants(*cur, old_value, new_value)) continue;
    if (cur->locked) {
      out.locked.push_back(id);
      continue;
    }
    change(id);
    bump.bind_all(now, id);
    bump.exec();
    bump.reset();
    history::record(ctx, "customer", id, field, old_value, new_value, reason);
    out.changed.push_back(id);
  }
  events::customers(ctx, events::ChangeKind::Updated, out.changed, {field});
  return out;
}

}  // namespace

BulkChange add_tag_to(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& tag,
                      const std::string& reason) {
  auto ins = ctx.db().prepare("INSERT INTO customer_tags(customer_id, tag) VALUES (?,?)");
  return apply(
      ctx, ids, tag, "tags", reason,
      [&](const Current& c, auto&, auto& new_value) {
        new_value = tag;
        return !c.has_tag;
      },
      [&](std::int64_t id) {
        ins.bind_all(id, tag);
        ins.exec();
        ins.reset();
      });
}

BulkChange remove_tag_from(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& tag,
                           const std::string& reason) {
  auto del = ctx.db().prepare("DELETE FROM customer_tags WHERE customer_id = ? AND tag = ?");
  return apply(
      ctx, ids, tag, "tags", reason,
      [&](const Current& c, auto& old_value, auto&) {
        old_value = tag;
        return c.has_tag;
      },
      [&](std::int64_t id) {
        del.bind_all(id, tag);
        del.exec();
        del.reset();
      });
}

BulkChange set_stage_of(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& stage,
                        const std::string& reason) {
  auto upd = ctx.db().prepare("UPDATE customers SET stage = ? WHERE id = ?");
  return apply(
      ctx, ids, std::string(), "stage", reason,
      [&](const Current& c, auto& old_value, auto& new_value) {
        old_value = c.stage;
        new_value = stage;
        return c.stage != stage;
      },
      [&](std::int64_t id) {
        upd.bind_all(stage, id);
        upd.exec();
        upd.reset();
      });
}

std::vector<std::int64_t> tagged(const Context& ctx, const std::string& tag) {
  auto q = ctx.db().prepare("SELECT customer_id FROM customer_tags WHERE tag = ? ORDER BY customer_id");
  q.bind_all(tag);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

}  // namespace crmkit::customers
