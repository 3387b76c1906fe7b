#include "crmkit/org/org_cache.hpp"

#include "crmkit/db/database.hpp"

namespace crmkit::org {

namespace {

std::vector<std::int64_t> load_role_members(db::Database& db, const std::string& role) {
  db::Transaction tx(db, false);
  auto q = db.prepare("SELECT id FROM users WHERE role = ? AND active = 1 ORDER BY id");
  q.bind_all(role);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  tx.commit();
  return out;
}

}  // namespace

bool OrgCache::keeping(db::Database& db) {
  const auto epoch = epoch_.current(db);
  if (!epoch) return false;
  if (*epoch != seen_epoch_) {
    clear();
    seen_epoch_ = *epoch;
  }
  return true;
}

void OrgCache::clear() {
  principals_.clear();
  role_members_.clear();
  cards_.clear();
}

// The database's lock is taken before the cache's, in every method: a caller inside a transaction
// already holds it, and the other order would let two threads wait for each other.
std::shared_ptr<const Principal> OrgCache::principal(db::Database& db, std::int64_t user_id) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
  if (!keeping(db)) return std::make_shared<const Principal>(load_principal(db, user_id));
  if (auto it = principals_.find(user_id); it != principals_.end()) return it->second;
  auto p = std::make_shared<const Principal>(load_principal(db, user_id));
  principals_.emplace(user_id, p);
  return p;
}

std::vector<std::int64_t> OrgCache::active_users_with_role(db::Database& db, const std::string& role) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
  if (!keeping(db)) return load_role_members(db, role);
  if (auto it = role_members_.find(role); it != role_members_.end()) return it->second;
  return role_members_.emplace(role, load_role_members(db, role)).first->second;
}

std::optional<UserCard> OrgCache::user_card(db::Database& db, std::int64_t user_id) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
  if (!keeping(db)) return load_user_card(db, user_id);
  if (auto it = cards_.find(user_id); it != cards_.end()) return it->second;
  return cards_.emplace(user_id, load_user_card(db, user_id)).first->second;
}

void OrgCache::org_changed(db::Database& db) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
  clear();
  epoch_.changed(db);
}

}  // namespace crmkit::org
