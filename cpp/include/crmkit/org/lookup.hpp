// crmkit/org/lookup.hpp — what other domains ask the organisation, without naming its tables.
//
// Existence checks, the users of a team's subtree, and logins and team names for display. They
// read inside the caller's transaction and check no scope: the caller has decided already what
// its principal may see (a report names only users whose records it shows). Thread-safety: see
// Database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::org {

bool user_exists(const Context& ctx, std::int64_t user_id);
bool team_exists(const Context& ctx, std::int64_t team_id);
// Every user id (a batch checks many references against one read).
std::unordered_set<std::int64_t> user_ids(const Context& ctx);
// The users of a team and of all the teams below it, ascending.
std::vector<std::int64_t> team_member_ids(const Context& ctx, std::int64_t team_id);
std::optional<std::string> login_of(const Context& ctx, std::int64_t user_id);

// A scalar SQL subquery giving the team of the user whose id is `user_id_sql` (a column of the
// caller's query): how a rule field or a report groups records by their owner's team without
// naming org's tables. NULL for a user without a team.
std::string team_of_sql(const std::string& user_id_sql);

// Names for labelling rows by owner or team.
struct Directory {
  std::unordered_map<std::int64_t, std::string> logins;
  std::unordered_map<std::int64_t, std::int64_t> team_of;  // users without a team are absent
  std::unordered_map<std::int64_t, std::string> teams;
};
Directory directory(const Context& ctx);

// What approval routing and workflow validation need to know of users, teams and roles.
struct UserCard {
  std::int64_t id = 0;
  std::string login, name, role;
  bool active = false;
  std::optional<std::int64_t> manager_id;
};
// Through the organisation cache (crmkit/org/org_cache.hpp); load_user_card reads the table.
std::optional<UserCard> user_card(const Context& ctx, std::int64_t user_id);
std::optional<UserCard> load_user_card(db::Database& db, std::int64_t user_id);
std::optional<UserCard> user_card_by_login(const Context& ctx, const std::string& login);
struct TeamCard {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> lead_id;
};
std::optional<TeamCard> team_card(const Context& ctx, std::int64_t team_id);
std::optional<std::int64_t> team_id_named(const Context& ctx, const std::string& name);
// Active users, ascending: of one role; of the admin roles.
std::vector<std::int64_t> active_user_ids_with_role(const Context& ctx, const std::string& role);
std::vector<std::int64_t> active_admin_ids(const Context& ctx);
// Every active user's manager (absent when the user has none).
std::map<std::int64_t, std::optional<std::int64_t>> active_managers(const Context& ctx);
// The defined role names, in order.
std::vector<std::string> role_names(const Context& ctx);

}  // namespace crmkit::org
