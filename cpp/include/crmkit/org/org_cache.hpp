// crmkit/org/org_cache.hpp — what the organisation's tables say, read once per connection.
//
// Every approval, opportunity change or scoped call names its acting user, every approval step
// routed to a role lists that role's users, and routing reads each approver's card: resolving a
// principal walks the manager chain, and a role's users are a scan of users. All three are kept
// per engine (Engine::extension) and reused until the organisation may have changed, by the rules
// of crmkit/db/epoch.hpp: a write to users, teams or roles through this connection (org_changed(),
// which org's writers call inside their transaction) or a commit by another connection drops
// everything, and nothing is kept inside a transaction that changed the organisation.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crmkit/db/epoch.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/org/principal.hpp"

namespace crmkit::org {

class OrgCache {
 public:
  // load_principal(db, user_id), or the same principal resolved earlier.
  std::shared_ptr<const Principal> principal(db::Database& db, std::int64_t user_id);
  // The ids of the active users with this role, ascending.
  std::vector<std::int64_t> active_users_with_role(db::Database& db, const std::string& role);
  // load_user_card(db, user_id) (nullopt: no such user), or the same card read earlier.
  std::optional<UserCard> user_card(db::Database& db, std::int64_t user_id);
  void org_changed(db::Database& db);

 private:
  // Whether entries may be kept now; drops them all when the organisation may have changed.
  // Called with mutex_ held.
  bool keeping(db::Database& db);
  void clear();

  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::shared_ptr<const Principal>> principals_;
  std::map<std::string, std::vector<std::int64_t>, std::less<>> role_members_;
  std::unordered_map<std::int64_t, std::optional<UserCard>> cards_;
  db::Epoch epoch_;
  std::uint64_t seen_epoch_ = 0;  // the epoch the entries were read under
};

}  // namespace crmkit::org
