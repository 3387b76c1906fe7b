#include "crmkit/schema/config_epoch.hpp"

namespace crmkit::schema {

std::optional<std::uint64_t> ConfigEpoch::current(db::Database& db) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
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

void ConfigEpoch::changed(db::Database& db) {
  std::lock_guard db_lock(db.mutex());
  std::lock_guard lock(mutex_);
  ++epoch_;
  if (db.depth() > 0) changing_transaction_ = db.transaction_serial();
}

std::optional<std::uint64_t> config_epoch(const Context& ctx) {
  return ctx.live().extension<ConfigEpoch>().current(ctx.db());
}

void config_changed(const Context& ctx) { ctx.live().extension<ConfigEpoch>().changed(ctx.db()); }

}  // namespace crmkit::schema
