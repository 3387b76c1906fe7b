// crmkit/schema/config_epoch.hpp — whether the configuration may have changed since a cache
// looked.
//
// What the rule catalogs are built from — field definitions, stages, document kinds — changes
// rarely, while a catalog is needed by every approval and submission. A cache keeps what it built
// together with the epoch it saw, and builds again when the epoch moves: when this connection's
// writers of those tables call config_changed() (inside their transaction), and when another
// connection commits (the database's data_version; it cannot tell what the other connection
// changed). Nothing may be kept inside a transaction that changed the configuration, so that a
// rollback leaves no entry built from rows that never existed. Thread-safe; the database's lock is
// taken before the epoch's own.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "crmkit/context.hpp"

namespace crmkit::schema {

class ConfigEpoch {
 public:
  // The current epoch, or nullopt while the current transaction is changing the configuration.
  std::optional<std::uint64_t> current(db::Database& db);
  void changed(db::Database& db);

 private:
  std::mutex mutex_;
  std::uint64_t epoch_ = 0;
  std::int64_t seen_data_version_ = -1;
  std::optional<std::uint64_t> changing_transaction_;  // the serial of a transaction that changed it
};

// The engine's epoch (ConfigEpoch::current).
std::optional<std::uint64_t> config_epoch(const Context& ctx);
// Called by every writer of field definitions, stages and document kinds, inside its transaction.
void config_changed(const Context& ctx);

}  // namespace crmkit::schema
