#include "crmkit/db/epoch.hpp"

#include <mutex>

namespace crmkit::db {

std::optional<std::uint64_t> Epoch::current(Database& db) {
  std::lock_guard lock(db.mutex());
  if (changing_transaction_ && (db.depth() == 0 || db.transaction_serial() != *changing_transaction_)) {
    // That transaction is over, committed or rolled back: what was built before it is stale.
    changing_transaction_.reset();
    ++epoch_;
  }
  if (changing_transaction_) return std::nullopt;
  const std::int64_t version = db.data_version();
  if (version != seen_data_version_) {
    seen_data_version_ = version;
    ++epoch_;
  }
  return epoch_;
}

void Epoch::changed(Database& db) {
  std::lock_guard lock(db.mutex());
  ++epoch_;
  if (db.depth() > 0) changing_transaction_ = db.transaction_serial();
}

}  // namespace crmkit::db
