#include "crmkit/history.hpp"

namespace crmkit::history {

void record(const Context& ctx, const std::string& entity, std::int64_t entity_id, const std::string& field,
            const std::optional<std::string>& old_value, const std::optional<std::string>& new_value,
            const std::optional<std::string>& reason) {
  ctx.db()
      .prepare("INSERT INTO history(entity, entity_id, field, old_value, new_value, actor_id, at, reason) "
               "VALUES (?,?,?,?,?,?,?,?)")
      .bind_all(entity, entity_id, field, old_value, new_value, ctx.actor(), ctx.now(), reason)
      .exec();
}

std::int64_t record_each(const Context& ctx, const std::string& entity, const std::string& field,
                         const std::string& rows_sql, const std::vector<Value>& params) {
  const int n = static_cast<int>(params.size());
  auto p = [n](int k) { return "?" + std::to_string(n + k); };
  auto q = ctx.db().prepare("WITH r(entity_id, old_value, new_value, reason) AS (" + rows_sql +
                            ") INSERT INTO history(entity, entity_id, field, old_value, new_value, actor_id, at, "
                            "reason) SELECT " + p(1) + ", r.entity_id, " + p(2) + ", r.old_value, r.new_value, " +
                            p(3) + ", " + p(4) + ", r.reason FROM r ORDER BY r.entity_id");
  for (int i = 0; i < n; ++i) q.bind(i + 1, params[static_cast<std::size_t>(i)]);
  q.bind(n + 1, entity).bind(n + 2, field).bind(n + 3, ctx.actor()).bind(n + 4, ctx.now());
  return q.exec();
}

void move(const Context& ctx, const std::string& entity, std::int64_t from, std::int64_t to) {
  ctx.db().prepare("UPDATE history SET entity_id = ? WHERE entity = ? AND entity_id = ?").bind_all(to, entity, from).exec();
}

Table list(const Context& ctx, const std::string& entity, std::int64_t entity_id,
           std::optional<std::int64_t> created_at, std::optional<std::int64_t> created_by) {
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto at = t.add_column("at", ColumnType::Time);
  auto actor_id = t.add_column("actor_id", ColumnType::Int);
  auto actor = t.add_column("actor", ColumnType::Text);
  auto field = t.add_column("field", ColumnType::Text);
  auto old_v = t.add_column("old", ColumnType::Text);
  auto new_v = t.add_column("new", ColumnType::Text);
  auto reason = t.add_column("reason", ColumnType::Text);
  if (created_at) {
    std::string creator = "system";
    if (created_by) {
      auto u = ctx.db().prepare("SELECT login FROM users WHERE id = ?");
      u.bind_all(*created_by);
      if (u.step()) creator = u.get_text(0);
    }
    t.column(id).push_int(0);
    t.column(at).push_int(*created_at);
    t.column(actor_id).push_opt(created_by);
    t.column(actor).push_text(creator);
    t.column(field).push_text("created");
    t.column(old_v).push_null();
    t.column(new_v).push_null();
    t.column(reason).push_null();
  }
  auto q = ctx.db().prepare(
      "SELECT h.id, h.at, h.actor_id, u.login, h.field, h.old_value, h.new_value, h.reason "
      "FROM history h LEFT JOIN users u ON u.id = h.actor_id "
      "WHERE h.entity = ? AND h.entity_id = ? ORDER BY h.id");
  q.bind_all(entity, entity_id);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(at).push_int(q.get_int(1));
    t.column(actor_id).push_opt(q.get_opt_int(2));
    t.column(actor).push_text(q.is_null(2) ? "system" : q.get_text(3));
    t.column(field).push_text(q.get_text(4));
    t.column(old_v).push_opt(q.get_opt_text(5));
    t.column(new_v).push_opt(q.get_opt_text(6));
    t.column(reason).push_opt(q.get_opt_text(7));
  }
  return t;
}

}  // namespace crmkit::history
