// crmkit/db/epoch.hpp — whether what a cache read from some tables may have changed since.
//
// A cache keeps what it built together with the epoch it saw, and builds again when the epoch
// moves: when this connection's writers of those tables call changed() (inside their
// transaction), and when another connection commits (the database's data_version; it cannot tell
// what the other connection changed). Nothing may be kept inside a transaction that called
// changed(), so that a rollback leaves no entry built from rows that never existed. Takes the
// database's lock, which also guards the epoch itself.
#pragma once

#include <cstdint>
#include <optional>

#include "crmkit/db/database.hpp"

namespace crmkit::db {

class Epoch {
 public:
  // The current epoch, or nullopt while the current transaction is changing the tables.
  std::optional<std::uint64_t> current(Database& db);
  void changed(Database& db);

 private:
  std::uint64_t epoch_ = 0;
  std::int64_t seen_data_version_ = -1;
  std::optional<std::uint64_t> changing_transaction_;  // the serial of a transaction that changed them
};

}  // namespace crmkit::db
