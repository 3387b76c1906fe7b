// crmkit/org/principal.hpp — who is acting, and what they may see.
//
// A Principal is resolved once when a scoped view is created (`Crm::as_user`): the user's role,
// its scope per entity, and the sets of users whose records "reports" and "team" scopes cover.
// Every query of a scoped view adds owner_filter(); every write checks may_own(). The system
// principal (no user) sees and may do everything. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crmkit::db {
class Database;
}

namespace crmkit::org {

enum class Scope { None, Own, Reports, Team, All };

// "none" | "own" | "reports" | "team" | "all"; throws ValidationError naming `field` otherwise.
Scope parse_scope(const std::string& text, const std::string& field);
const char* scope_name(Scope scope);

// The entities a role grants scopes for.
const std::vector<std::string>& scoped_entities();

struct SqlFilter {
  std::string sql;                   // a boolean SQL condition, e.g. "c.owner_id IN (?,?)"
  std::vector<std::int64_t> params;  // bound in order
};

struct Principal {
  std::optional<std::int64_t> user_id;  // empty: the system view
  std::string login = "system";
  std::string role = "admin";
  bool is_admin = true;
  bool can_approve = true;
  std::map<std::string, Scope> scopes;
  std::vector<std::int64_t> reports;     // the user and everyone below them in the manager chain
  std::vector<std::int64_t> team_users;  // users of the user's team and its sub-teams (and the user)

  bool is_system() const { return !user_id.has_value(); }
  Scope scope(const std::string& entity) const;
  // The owners whose records this principal covers for `entity`; empty optional means all.
  std::optional<std::vector<std::int64_t>> visible_owners(const std::string& entity) const;
  // A condition on `owner_column` restricting rows to this principal's scope for `entity`.
  SqlFilter owner_filter(const std::string& entity, const std::string& owner_column) const;
  // True when a record of `entity` owned by `owner` (empty: unowned) is within scope.
  bool covers(const std::string& entity, std::optional<std::int64_t> owner) const;
};

// The system principal (unscoped; everything allowed).
Principal system_principal();

// Resolves the principal of an existing user. Throws NotFound for an unknown id and
// PermissionDenied for a deactivated user.
Principal load_principal(db::Database& db, std::int64_t user_id);

}  // namespace crmkit::org
