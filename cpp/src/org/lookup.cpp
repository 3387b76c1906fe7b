// What other domains ask the organisation (see crmkit/org/lookup.hpp).
#include "crmkit/org/lookup.hpp"

namespace crmkit::org {

bool user_exists(const Context& ctx, std::int64_t user_id) {
  auto q = ctx.db().prepare("SELECT 1 FROM users WHERE id = ?");
  q.bind_all(user_id);
  return q.step();
}

bool team_exists(const Context& ctx, std::int64_t team_id) {
  auto q = ctx.db().prepare("SELECT 1 FROM teams WHERE id = ?");
  q.bind_all(team_id);
  return q.step();
}

std::unordered_set<std::int64_t> user_ids(const Context& ctx) {
  std::unordered_set<std::int64_t> out;
  auto q = ctx.db().prepare("SELECT id FROM users");
  while (q.step()) out.insert(q.get_int(0));
  return out;
}

std::vector<std::int64_t> team_member_ids(const Context& ctx, std::int64_t team_id) {
  auto q = ctx.db().prepare(
      "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT t.id FROM teams t JOIN sub s ON t.parent_id = s.id) "
      "SELECT u.id FROM users u WHERE u.team_id IN (SELECT id FROM sub) ORDER BY u.id");
  q.bind_all(team_id);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

std::optional<std::string> login_of(const Context& ctx, std::int64_t user_id) {
  auto q = ctx.db().prepare("SELECT login FROM users WHERE id = ?");
  q.bind_all(user_id);
  if (!q.step()) return std::nullopt;
  return q.get_text(0);
}

Directory directory(const Context& ctx) {
  Directory d;
  auto u = ctx.db().prepare("SELECT id, login, team_id FROM users");
  while (u.step()) {
    d.logins[u.get_int(0)] = u.get_text(1);
    if (!u.is_null(2)) d.team_of[u.get_int(0)] = u.get_int(2);
  }
  auto t = ctx.db().prepare("SELECT id, name FROM teams");
  while (t.step()) d.teams[t.get_int(0)] = t.get_text(1);
  return d;
}

}  // namespace crmkit::org
