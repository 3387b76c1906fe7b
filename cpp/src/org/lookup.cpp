// What other domains ask the organisation (see crmkit/org/lookup.hpp).
#include "crmkit/org/lookup.hpp"
#include "crmkit/org/org_cache.hpp"

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

std::string team_of_sql(const std::string& user_id_sql) {
  return "(SELECT team_user.team_id FROM users team_user WHERE team_user.id = " + user_id_sql + ")";
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

namespace {

std::optional<UserCard> read_card(db::Stmt& q) {
  if (!q.step()) return std::nullopt;
  return UserCard{q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_int(4) != 0, q.get_opt_int(5)};
}

constexpr const char* kCard = "SELECT id, login, name, role, active, manager_id FROM users ";

std::vector<std::int64_t> ids_of(db::Stmt& q) {
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

}  // namespace

std::optional<UserCard> user_card(const Context& ctx, std::int64_t user_id) {
  return ctx.live().extension<OrgCache>().user_card(ctx.db(), user_id);
}

std::optional<UserCard> load_user_card(db::Database& db, std::int64_t user_id) {
  auto q = db.prepare(std::string(kCard) + "WHERE id = ?");
  q.bind_all(user_id);
  return read_card(q);
}

std::optional<UserCard> user_card_by_login(const Context& ctx, const std::string& login) {
  auto q = ctx.db().prepare(std::string(kCard) + "WHERE login = ?");
  q.bind_all(login);
  return read_card(q);
}

std::optional<TeamCard> team_card(const Context& ctx, std::int64_t team_id) {
  auto q = ctx.db().prepare("SELECT id, name, lead_id FROM teams WHERE id = ?");
  q.bind_all(team_id);
  if (!q.step()) return std::nullopt;
  return TeamCard{q.get_int(0), q.get_text(1), q.get_opt_int(2)};
}

std::optional<std::int64_t> team_id_named(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare("SELECT id FROM teams WHERE name = ?");
  q.bind_all(name);
  if (!q.step()) return std::nullopt;
  return q.get_int(0);
}

std::vector<std::int64_t> active_user_ids_with_role(const Context& ctx, const std::string& role) {
  return ctx.live().extension<OrgCache>().active_users_with_role(ctx.db(), role);
}

std::vector<std::int64_t> active_admin_ids(const Context& ctx) {
  auto q = ctx.db().prepare(
      "SELECT u.id FROM users u JOIN roles r ON r.name = u.role WHERE r.is_admin = 1 AND u.active = 1 ORDER BY u.id");
  return ids_of(q);
}

std::map<std::int64_t, std::optional<std::int64_t>> active_managers(const Context& ctx) {
  std::map<std::int64_t, std::optional<std::int64_t>> out;
  auto q = ctx.db().prepare("SELECT id, manager_id FROM users WHERE active = 1");
  while (q.step()) out[q.get_int(0)] = q.get_opt_int(1);
  return out;
}

std::vector<std::string> role_names(const Context& ctx) {
  std::vector<std::string> out;
  auto q = ctx.db().prepare("SELECT name FROM roles ORDER BY name");
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

}  // namespace crmkit::org
