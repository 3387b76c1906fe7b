// crmkit/context.hpp — what every domain service is handed: the engine and the acting principal.
//
// The Engine (one per opened database: the connection, the clock) is shared by the system view
// and every scoped view made from it. A Context pairs it with the principal of one view; services
// are cheap value objects built over a Context on demand. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>
#include <optional>
#include <string>

#include "crmkit/clock.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/org/principal.hpp"

namespace crmkit {

struct Context;
namespace segments {
class ColumnStore;
}

// The in-memory column copy of the customers that segments evaluate against (created on first use
// by the segments domain; see crmkit/segments/column_store.hpp).
struct ColumnStoreSlot {
  std::mutex mutex;
  std::shared_ptr<segments::ColumnStore> store;
  std::string catalog_key;  // the catalog the store was built with, to notice new custom fields
};

struct Engine {
  Engine(const std::string& path, const db::OpenOptions& options) : db(path, options) {}
  db::Database db;
  Clock clock;
  // Resolves a saved segment to its member customer ids, as seen by the context's principal.
  // Installed by the segments domain; lower domains (revisit plans) call it without depending on
  // segments. Throws NotFound for an unknown segment.
  std::function<std::vector<std::int64_t>(const Context&, const std::string&)> segment_members;
  ColumnStoreSlot columns;
  // The instant of the current transaction (see Context::now).
  std::uint64_t now_serial = 0;
  std::int64_t now_ms = 0;
};

struct Context {
  std::shared_ptr<Engine> engine;
  std::shared_ptr<const org::Principal> who;

  // Throws StorageError once the view's CRM has been closed.
  Engine& live() const;
  db::Database& db() const { return live().db; }
  // One instant per transaction on a running clock: every timestamp a call writes (created_at, the
  // history row, the returned record) is the same, as SQL's transaction time is. A frozen clock
  // is read as it stands (tests advance it between steps). Outside a transaction: the clock.
  std::int64_t now() const;
  std::optional<std::int64_t> actor() const { return who->user_id; }
  // Throws PermissionDenied unless the acting principal may change configuration (`what`).
  void require_admin(const std::string& what) const;
};

}  // namespace crmkit
