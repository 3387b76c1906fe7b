#include "crmkit/org/principal.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"

namespace crmkit::org {

Scope parse_scope(const std::string& text, const std::string& field) {
  if (text == "none") return Scope::None;
  if (text == "own") return Scope::Own;
  if (text == "reports") return Scope::Reports;
  if (text == "team") return Scope::Team;
  if (text == "all") return Scope::All;
  throw ValidationError(field + ": unknown scope '" + text + "' (use none, own, reports, team or all)", field);
}

const char* scope_name(Scope scope) {
  switch (scope) {
    case Scope::None: return "none";
    case Scope::Own: return "own";
    case Scope::Reports: return "reports";
    case Scope::Team: return "team";
    case Scope::All: return "all";
  }
  return "none";
}

const std::vector<std::string>& scoped_entities() {
  static const std::vector<std::string> entities = {"customers", "opportunities", "leads"};
  return entities;
}

Scope Principal::scope(const std::string& entity) const {
  if (is_system()) return Scope::All;
  auto it = scopes.find(entity);
  return it == scopes.end() ? Scope::None : it->second;
}

std::optional<std::vector<std::int64_t>> Principal::visible_owners(const std::string& entity) const {
  switch (scope(entity)) {
    case Scope::All: return std::nullopt;
    case Scope::None: return std::vector<std::int64_t>{};
    case Scope::Own: return std::vector<std::int64_t>{*user_id};
    case Scope::Reports: return reports;
    case Scope::Team: return team_users;
  }
  return std::vector<std::int64_t>{};
}

SqlFilter Principal::owner_filter(const std::string& entity, const std::string& owner_column) const {
  auto owners = visible_owners(entity);
  if (!owners) return {"1", {}};
  if (owners->empty()) return {"0", {}};
  if (owners->size() == 1) return {owner_column + " = ?", *owners};
  std::string sql = owner_column + " IN (";
  for (std::size_t i = 0; i < owners->size(); ++i) sql += i ? ",?" : "?";
  sql += ")";
  return {sql, *owners};
}

bool Principal::covers(const std::string& entity, std::optional<std::int64_t> owner) const {
  auto owners = visible_owners(entity);
  if (!owners) return true;
  if (!owner) return false;
  return std::find(owners->begin(), owners->end(), *owner) != owners->end();
}

Principal system_principal() {
  Principal p;
  for (const auto& e : scoped_entities()) p.scopes[e] = Scope::All;
  return p;
}

Principal load_principal(db::Database& db, std::int64_t user_id) {
  db::Transaction tx(db, false);
  Principal p;
  auto q = db.prepare(
      "SELECT u.login, u.role, u.active, u.team_id, r.scopes, r.can_approve, r.is_admin "
      "FROM users u JOIN roles r ON r.name = u.role WHERE u.id = ?");
  q.bind_all(user_id);
  if (!q.step()) throw NotFound("user " + std::to_string(user_id) + " does not exist");
  if (!q.get_int(2)) throw PermissionDenied("user '" + q.get_text(0) + "' is deactivated");
  p.user_id = user_id;
  p.login = q.get_text(0);
  p.role = q.get_text(1);
  auto team = q.get_opt_int(3);
  auto scopes = nlohmann::json::parse(q.get_text(4));
  for (auto& [entity, scope] : scopes.items()) p.scopes[entity] = parse_scope(scope.get<std::string>(), entity);
  p.can_approve = q.get_int(5) != 0;
  p.is_admin = q.get_int(6) != 0;

  auto reports = db.prepare(
      "WITH RECURSIVE below(id) AS (SELECT ? UNION SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id) "
      "SELECT id FROM below ORDER BY id");
  reports.bind_all(user_id);
  while (reports.step()) p.reports.push_back(reports.get_int(0));

  if (team) {
    auto members = db.prepare(
        "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT t.id FROM teams t JOIN sub s ON t.parent_id = s.id) "
        "SELECT u.id FROM users u WHERE u.team_id IN (SELECT id FROM sub) UNION SELECT ? ORDER BY 1");
    members.bind_all(*team, user_id);
    while (members.step()) p.team_users.push_back(members.get_int(0));
  } else {
    p.team_users.push_back(user_id);
  }
  tx.commit();
  return p;
}

}  // namespace crmkit::org
