#include "crmkit/org/org.hpp"
#include "crmkit/org/org_cache.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/io/clean.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"

namespace crmkit {

namespace {

// A user's e-mail: trimmed, shape-checked and lower-cased by the same rule as customers' and
// contacts' (io::clean_email); blank means none.
std::optional<std::string> user_email(const std::string& raw) {
  auto text = text::clean(raw, "email", text::kMaxEmail, false);
  if (!text) return text;
  auto cleaned = io::clean_email(*text);
  if (!cleaned)
    throw ValidationError("email: '" + *text + "' is not an email address (" + cleaned.problem + ")", "email");
  return cleaned.value;
}

// Principals and role members read before a change of users, teams or roles may no longer hold.
void org_changed(const Context& ctx) { ctx.live().extension<org::OrgCache>().org_changed(ctx.db()); }

}  // namespace

Engine& Context::live() const {
  if (!engine) throw StorageError("this CRM has been closed; open it again");
  return *engine;
}

std::int64_t Context::now() const {
  Engine& e = live();
  // A frozen clock is already one instant, and advancing it inside a transaction must be seen.
  if (e.db.depth() == 0 || e.clock.frozen()) return e.clock.now_ms();
  if (e.now_serial != e.db.transaction_serial()) {
    e.now_serial = e.db.transaction_serial();
    e.now_ms = e.clock.now_ms();
  }
  return e.now_ms;
}

void Context::require_admin(const std::string& what) const {
  if (who->is_system() || who->is_admin) return;
  throw PermissionDenied("user '" + who->login + "' (role " + who->role + ") may not " + what +
                         "; it needs the admin role");
}

}  // namespace crmkit

namespace crmkit::org {
namespace {

constexpr const char* kTeamColumns = "id, name, parent_id, lead_id, created_at, version";
constexpr const char* kUserColumns =
    "id, login, name, email, role, team_id, manager_id, active, created_at, version";

Team read_team(db::Stmt& q) {
  return Team{q.get_int(0), q.get_text(1), q.get_opt_int(2), q.get_opt_int(3), Timestamp{q.get_int(4)}, q.get_int(5)};
}

User read_user(db::Stmt& q) {
  return User{q.get_int(0),     q.get_text(1),     q.get_text(2),      q.get_opt_text(3),
              q.get_text(4),    q.get_opt_int(5),  q.get_opt_int(6),   q.get_int(7) != 0,
              Timestamp{q.get_int(8)}, q.get_int(9)};
}

void require_user(db::Database& db, std::int64_t id, const std::string& field) {
  auto q = db.prepare("SELECT 1 FROM users WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound(field + ": user " + std::to_string(id) + " does not exist");
}

void require_team(db::Database& db, std::int64_t id, const std::string& field) {
  auto q = db.prepare("SELECT 1 FROM teams WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound(field + ": team " + std::to_string(id) + " does not exist");
}

void require_role(db::Database& db, const std::string& role) {
  auto q = db.prepare("SELECT 1 FROM roles WHERE name = ?");
  q.bind_all(role);
  if (!q.step()) {
    std::string known;
    auto all = db.prepare("SELECT name FROM roles ORDER BY name");
    while (all.step()) known += (known.empty() ? "" : ", ") + all.get_text(0);
    throw ValidationError("role: unknown role '" + role + "' (defined: " + known + ")", "role");
  }
}

std::optional<std::string> opt_text(const std::optional<std::int64_t>& v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Teams

Team Teams::add(const std::string& name, std::optional<std::int64_t> parent, std::optional<std::int64_t> lead) {
  ctx_.require_admin("add teams");
  auto clean = *text::clean(name, "name", text::kMaxName, true);
  db::Transaction tx(ctx_.db());
  if (parent) require_team(ctx_.db(), *parent, "parent");
  if (lead) require_user(ctx_.db(), *lead, "lead");
  auto dup = ctx_.db().prepare("SELECT id FROM teams WHERE name = ?");
  dup.bind_all(clean);
  if (dup.step()) throw Conflict("a team named '" + clean + "' already exists (id " + std::to_string(dup.get_int(0)) + ")");
  ctx_.db()
      .prepare("INSERT INTO teams(name, parent_id, lead_id, created_at) VALUES (?,?,?,?)")
      .bind_all(clean, parent, lead, ctx_.now())
      .exec();
  org_changed(ctx_);
  Team t{ctx_.db().last_insert_id(), clean, parent, lead, Timestamp{ctx_.now()}, 1};
  tx.commit();
  log::logger().debug("teams.add id={}", t.id);
  return t;
}

Team Teams::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kTeamColumns + " FROM teams WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("team " + std::to_string(id) + " does not exist");
  return read_team(q);
}

Team Teams::by_name(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kTeamColumns + " FROM teams WHERE name = ?");
  q.bind_all(text::trim(name));
  if (!q.step()) throw NotFound("no team is named '" + name + "'");
  return read_team(q);
}

std::vector<std::int64_t> Teams::subtree(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  require_team(ctx_.db(), id, "team");
  std::vector<std::int64_t> out;
  auto q = ctx_.db().prepare(
      "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT t.id FROM teams t JOIN sub s ON t.parent_id = s.id) "
      "SELECT id FROM sub ORDER BY id");
  q.bind_all(id);
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

Team Teams::move(std::int64_t id, std::optional<std::int64_t> parent) {
  ctx_.require_admin("move teams");
  db::Transaction tx(ctx_.db());
  Team before = get(id);
  if (parent) {
    require_team(ctx_.db(), *parent, "parent");
    auto below = subtree(id);
    if (std::find(below.begin(), below.end(), *parent) != below.end())
      throw ValidationError("parent: team " + std::to_string(*parent) + " is inside team " + std::to_string(id) +
                                "; moving would make a cycle",
                            "parent");
  }
  ctx_.db().prepare("UPDATE teams SET parent_id = ?, version = version + 1 WHERE id = ?").bind_all(parent, id).exec();
  org_changed(ctx_);
  history::record(ctx_, "team", id, "parent_id", opt_text(before.parent_id), opt_text(parent));
  Team after = get(id);
  tx.commit();
  return after;
}

Team Teams::set_lead(std::int64_t id, std::optional<std::int64_t> lead) {
  ctx_.require_admin("change team leads");
  db::Transaction tx(ctx_.db());
  Team before = get(id);
  if (lead) require_user(ctx_.db(), *lead, "lead");
  ctx_.db().prepare("UPDATE teams SET lead_id = ?, version = version + 1 WHERE id = ?").bind_all(lead, id).exec();
  org_changed(ctx_);
  history::record(ctx_, "team", id, "lead_id", opt_text(before.lead_id), opt_text(lead));
  Team after = get(id);
  tx.commit();
  return after;
}

Table Teams::list() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(
      "SELECT t.id, t.name, t.parent_id, t.lead_id, (SELECT count(*) FROM users u WHERE u.team_id = t.id), "
      "t.created_at FROM teams t ORDER BY t.id");
  return db::read_table(q, {{"id", ColumnType::Int}, {"name", ColumnType::Text}, {"parent_id", ColumnType::Int},
                            {"lead_id", ColumnType::Int}, {"members", ColumnType::Int},
                            {"created_at", ColumnType::Time}});
}

// ---------------------------------------------------------------------------------------------
// Users

User Users::add(const UserInput& in) {
  ctx_.require_admin("add users");
  auto login = *text::clean(in.login, "login", text::kMaxShort, true);
  auto name = *text::clean(in.name, "name", text::kMaxName, true);
  auto email = in.email ? user_email(*in.email) : std::nullopt;
  if (login.find_first_of(" \t\r\n") != std::string::npos)
    throw ValidationError("login: '" + login + "' must not contain white space", "login");
  db::Transaction tx(ctx_.db());
  require_role(ctx_.db(), in.role);
  if (in.team_id) require_team(ctx_.db(), *in.team_id, "team");
  if (in.manager_id) require_user(ctx_.db(), *in.manager_id, "manager");
  auto dup = ctx_.db().prepare("SELECT id FROM users WHERE login = ?");
  dup.bind_all(login);
  if (dup.step()) throw Conflict("login '" + login + "' is already taken (user " + std::to_string(dup.get_int(0)) + ")");
  ctx_.db()
      .prepare("INSERT INTO users(login, name, email, role, team_id, manager_id, created_at) VALUES (?,?,?,?,?,?,?)")
      .bind_all(login, name, email, in.role, in.team_id, in.manager_id, ctx_.now())
      .exec();
  org_changed(ctx_);
  User u{ctx_.db().last_insert_id(), login, name, email, in.role, in.team_id, in.manager_id, true,
         Timestamp{ctx_.now()}, 1};
  tx.commit();
  log::logger().debug("users.add id={}", u.id);
  return u;
}

User Users::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("user " + std::to_string(id) + " does not exist");
  return read_user(q);
}

User Users::by_login(const std::string& login) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE login = ?");
  q.bind_all(text::trim(login));
  if (!q.step()) throw NotFound("no user has the login '" + login + "'");
  return read_user(q);
}

std::vector<std::int64_t> Users::managers(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  std::vector<std::int64_t> chain;
  auto current = get(id).manager_id;
  while (current && std::find(chain.begin(), chain.end(), *current) == chain.end()) {
    chain.push_back(*current);
    current = get(*current).manager_id;
  }
  return chain;
}

std::vector<std::int64_t> Users::reports(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  get(id);
  std::vector<std::int64_t> out;
  auto q = ctx_.db().prepare(
      "WITH RECURSIVE below(id) AS (SELECT id FROM users WHERE manager_id = ? "
      "UNION SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id) SELECT id FROM below ORDER BY id");
  q.bind_all(id);
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

User Users::update(std::int64_t id, const std::map<std::string, Value>& values,
                   std::optional<std::int64_t> expected_version) {
  ctx_.require_admin("change users");
  db::Transaction tx(ctx_.db());
  User before = get(id);
  if (expected_version && *expected_version != before.version)
    throw Conflict("user " + std::to_string(id) + " has version " + std::to_string(before.version) +
                   ", not the expected " + std::to_string(*expected_version) + "; reload and retry");
  User after = before;
  auto as_opt_id = [](const Value& v, const std::string& field) -> std::optional<std::int64_t> {
    if (v.is_null()) return std::nullopt;
    if (!v.is<std::int64_t>()) throw ValidationError(field + ": expected an id, got " + v.type_name(), field);
    return v.as<std::int64_t>();
  };
  auto as_text = [](const Value& v, const std::string& field) -> std::string {
    if (!v.is<std::string>()) throw ValidationError(field + ": expected text, got " + v.type_name(), field);
    return v.as<std::string>();
  };
  for (const auto& [key, v] : values) {
    if (key == "name") {
      after.name = *text::clean(as_text(v, key), key, text::kMaxName, true);
    } else if (key == "email") {
      after.email = v.is_null() ? std::nullopt : user_email(as_text(v, key));
    } else if (key == "role") {
      after.role = as_text(v, key);
      require_role(ctx_.db(), after.role);
    } else if (key == "team_id" || key == "team") {
      after.team_id = as_opt_id(v, "team");
      if (after.team_id) require_team(ctx_.db(), *after.team_id, "team");
    } else if (key == "manager_id" || key == "manager") {
      after.manager_id = as_opt_id(v, "manager");
      if (after.manager_id) {
        require_user(ctx_.db(), *after.manager_id, "manager");
        auto below = reports(id);
        if (*after.manager_id == id || std::find(below.begin(), below.end(), *after.manager_id) != below.end())
          throw ValidationError("manager: user " + std::to_string(*after.manager_id) +
                                    " reports to user " + std::to_string(id) + "; that would make a cycle",
                                "manager");
      }
    } else if (key == "active") {
      if (!v.is<bool>()) throw ValidationError("active: expected true or false", "active");
      after.active = v.as<bool>();
    } else {
      throw ValidationError("unknown user field '" + key + "' (use name, email, role, team, manager, active)", key);
    }
  }
  ctx_.db()
      .prepare("UPDATE users SET name=?, email=?, role=?, team_id=?, manager_id=?, active=?, version=version+1 "
               "WHERE id=?")
      .bind_all(after.name, after.email, after.role, after.team_id, after.manager_id, after.active, id)
      .exec();
  org_changed(ctx_);
  auto note = [&](const char* field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a != b) history::record(ctx_, "user", id, field, a, b);
  };
  note("name", before.name, after.name);
  note("email", before.email, after.email);
  note("role", before.role, after.role);
  note("team_id", opt_text(before.team_id), opt_text(after.team_id));
  note("manager_id", opt_text(before.manager_id), opt_text(after.manager_id));
  note("active", std::string(before.active ? "true" : "false"), std::string(after.active ? "true" : "false"));
  after.version = before.version + 1;
  tx.commit();
  return after;
}

Table Users::list(std::optional<std::int64_t> team, std::optional<std::string> role) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kUserColumns +
                             " FROM users WHERE (?1 IS NULL OR team_id = ?1) AND (?2 IS NULL OR role = ?2) ORDER BY id");
  q.bind(1, team).bind(2, role);
  return db::read_table(q, {{"id", ColumnType::Int}, {"login", ColumnType::Text}, {"name", ColumnType::Text},
                            {"email", ColumnType::Text}, {"role", ColumnType::Text}, {"team_id", ColumnType::Int},
                            {"manager_id", ColumnType::Int}, {"active", ColumnType::Bool},
                            {"created_at", ColumnType::Time}});
}

// ---------------------------------------------------------------------------------------------
// Roles

Role Roles::get(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT scopes, can_approve, is_admin FROM roles WHERE name = ?");
  q.bind_all(name);
  if (!q.step()) throw NotFound("role '" + name + "' is not defined");
  Role r;
  r.name = name;
  auto scopes = nlohmann::json::parse(q.get_text(0));
  for (auto& [entity, scope] : scopes.items()) r.scopes[entity] = parse_scope(scope.get<std::string>(), entity);
  r.can_approve = q.get_int(1) != 0;
  r.is_admin = q.get_int(2) != 0;
  return r;
}

Role Roles::define(const std::string& name, const std::map<std::string, std::string>& scopes,
                   std::optional<bool> can_approve, std::optional<bool> is_admin) {
  ctx_.require_admin("define roles");
  auto clean = *text::clean(name, "name", text::kMaxShort, true);
  db::Transaction tx(ctx_.db());
  Role r;
  r.name = clean;
  bool exists = true;
  try {
    r = get(clean);
  } catch (const NotFound&) {
    exists = false;
    for (const auto& e : scoped_entities()) r.scopes[e] = Scope::None;
  }
  const auto& entities = scoped_entities();
  for (const auto& [entity, scope] : scopes) {
    if (std::find(entities.begin(), entities.end(), entity) == entities.end())
      throw ValidationError("unknown entity '" + entity + "' for a role scope (use customers, opportunities, leads)",
                            entity);
    r.scopes[entity] = parse_scope(scope, entity);
  }
  if (can_approve) r.can_approve = *can_approve;
  if (is_admin) r.is_admin = *is_admin;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [entity, scope] : r.scopes) j[entity] = scope_name(scope);
  ctx_.db()
      .prepare("INSERT INTO roles(name, scopes, can_approve, is_admin) VALUES (?,?,?,?) "
               "ON CONFLICT(name) DO UPDATE SET scopes=excluded.scopes, can_approve=excluded.can_approve, "
               "is_admin=excluded.is_admin, version=version+1")
      .bind_all(clean, j.dump(), r.can_approve, r.is_admin)
      .exec();
  org_changed(ctx_);
  history::record(ctx_, "role", 0, clean, std::nullopt, j.dump(), exists ? "redefined" : "defined");
  tx.commit();
  return r;
}

Table Roles::list() const {
  db::Transaction tx(ctx_.db(), false);
  Table t;
  t.add_column("role", ColumnType::Text);
  for (const auto& e : scoped_entities()) t.add_column(e, ColumnType::Text);
  auto approve = t.add_column("approve", ColumnType::Bool);
  auto admin = t.add_column("admin", ColumnType::Bool);
  auto q = ctx_.db().prepare("SELECT name FROM roles ORDER BY name");
  std::vector<std::string> names;
  while (q.step()) names.push_back(q.get_text(0));
  for (const auto& n : names) {
    Role r = get(n);
    t.column(0).push_text(r.name);
    for (std::size_t i = 0; i < scoped_entities().size(); ++i) {
      auto it = r.scopes.find(scoped_entities()[i]);
      t.column(i + 1).push_text(scope_name(it == r.scopes.end() ? Scope::None : it->second));
    }
    t.column(approve).push_int(r.can_approve);
    t.column(admin).push_int(r.is_admin);
  }
  return t;
}

}  // namespace crmkit::org
