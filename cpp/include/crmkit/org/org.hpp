// crmkit/org/org.hpp — teams (a tree), users (with managers) and roles (scopes per entity).
//
// Configuration writes (adding teams, users, roles) need the system view or an admin role.
// Services are value objects over a Context; every call is one transaction. Thread-safety: see
// Database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::org {

struct Team {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> parent_id;
  std::optional<std::int64_t> lead_id;
  Timestamp created_at;
  std::int64_t version = 1;
};

struct User {
  std::int64_t id = 0;
  std::string login;
  std::string name;
  std::optional<std::string> email;
  std::string role;
  std::optional<std::int64_t> team_id;
  std::optional<std::int64_t> manager_id;
  bool active = true;
  Timestamp created_at;
  std::int64_t version = 1;
};

struct Role {
  std::string name;
  std::map<std::string, Scope> scopes;  // per entity in scoped_entities()
  bool can_approve = false;
  bool is_admin = false;
};

class Teams {
 public:
  explicit Teams(Context ctx) : ctx_(std::move(ctx)) {}
  // Throws ValidationError (empty/long name), Conflict (name taken), NotFound (parent/lead).
  Team add(const std::string& name, std::optional<std::int64_t> parent = std::nullopt,
           std::optional<std::int64_t> lead = std::nullopt);
  Team get(std::int64_t id) const;
  Team by_name(const std::string& name) const;
  // Moves a team under another (nullopt: a root). Refuses a move that would create a cycle.
  Team move(std::int64_t id, std::optional<std::int64_t> parent);
  Team set_lead(std::int64_t id, std::optional<std::int64_t> lead);
  // Columns: id, name, parent_id, lead_id, members, created_at.
  Table list() const;
  // The team and all teams below it.
  std::vector<std::int64_t> subtree(std::int64_t id) const;

 private:
  Context ctx_;
};

struct UserInput {
  std::string login;
  std::string name;
  std::string role = "sales";
  std::optional<std::int64_t> team_id;
  std::optional<std::int64_t> manager_id;
  std::optional<std::string> email;
};

class Users {
 public:
  explicit Users(Context ctx) : ctx_(std::move(ctx)) {}
  // Throws Conflict for a duplicate login, ValidationError for an unknown role or bad text,
  // NotFound for an unknown team or manager.
  User add(const UserInput& input);
  User get(std::int64_t id) const;
  User by_login(const std::string& login) const;
  // Changes any of: name, email, role, team_id, manager_id, active. `values` maps those names to
  // new values (Value null clears). Refuses a manager cycle. Records history.
  User update(std::int64_t id, const std::map<std::string, Value>& values,
              std::optional<std::int64_t> expected_version = std::nullopt);
  // Columns: id, login, name, email, role, team_id, manager_id, active, created_at.
  Table list(std::optional<std::int64_t> team = std::nullopt,
             std::optional<std::string> role = std::nullopt) const;
  // The manager chain above the user, nearest first.
  std::vector<std::int64_t> managers(std::int64_t id) const;
  // Everyone below the user in the manager chain (not the user).
  std::vector<std::int64_t> reports(std::int64_t id) const;

 private:
  Context ctx_;
};

class Roles {
 public:
  explicit Roles(Context ctx) : ctx_(std::move(ctx)) {}
  // Creates or redefines a role. Entities not named keep their current scope ("none" for a new
  // role). Throws ValidationError for an unknown entity or scope name.
  Role define(const std::string& name, const std::map<std::string, std::string>& scopes,
              std::optional<bool> can_approve = std::nullopt, std::optional<bool> is_admin = std::nullopt);
  Role get(const std::string& name) const;
  // Columns: role, one column per scoped entity, approve, admin.
  Table list() const;

 private:
  Context ctx_;
};

}  // namespace crmkit::org
