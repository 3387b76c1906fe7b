// crmkit/context.hpp — what every domain service is handed: the engine and the acting principal.
//
// The Engine (one per opened database: the connection, the clock) is shared by the system view
// and every scoped view made from it. A Context pairs it with the principal of one view; services
// are cheap value objects built over a Context on demand. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>
#include <optional>
#include <string>

#include "crmkit/clock.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/org/principal.hpp"

namespace crmkit {

struct Context;

struct Engine {
  Engine(const std::string& path, const db::OpenOptions& options) : db(path, options) {}
  db::Database db;
  Clock clock;
  // Resolves a saved segment to its member customer ids, as seen by the context's principal.
  // Installed by the segments domain; lower domains (revisit plans) call it without depending on
  // segments. Throws NotFound for an unknown segment.
  std::function<std::vector<std::int64_t>(const Context&, const std::string&)> segment_members;
};

struct Context {
  std::shared_ptr<Engine> engine;
  std::shared_ptr<const org::Principal> who;

  // Throws StorageError once the view's CRM has been closed.
  Engine& live() const;
  db::Database& db() const { return live().db; }
  std::int64_t now() const { return live().clock.now_ms(); }
  std::optional<std::int64_t> actor() const { return who->user_id; }
  // Throws PermissionDenied unless the acting principal may change configuration (`what`).
  void require_admin(const std::string& what) const;
};

}  // namespace crmkit
