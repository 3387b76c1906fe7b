// crmkit/context.hpp — what every domain service is handed: the engine and the acting principal.
//
// The Engine (one per opened database: the connection, the clock) is shared by the system view
// and every scoped view made from it. A Context pairs it with the principal of one view; services
// are cheap value objects built over a Context on demand. Thread-safety: see Database.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>
#include <optional>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>

#include "crmkit/clock.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/time.hpp"

namespace crmkit {

struct Context;

// Per-engine state that a higher domain attaches to the engine without this header naming its
// types (the segments domain keeps its column store here). Each type T gets one instance, made on
// first use and kept, at a stable address, until the engine closes. The map is guarded by its own
// mutex; the instance's members are the owner's to guard (it sees one object from every thread).
class Extensions {
 public:
  template <typename T>
  T& get() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::shared_ptr<void>& slot = slots_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> slots_;
};

struct Engine {
  Engine(const std::string& path, const db::OpenOptions& options) : db(path, options) {}
  db::Database db;
  Clock clock;
  // The database's time zone (stored in `settings`, loaded at open, changed by Crm::set_timezone):
  // the calendar of every local notion. Read through Context::zone().
  std::atomic<TimeZone> zone{TimeZone{}};
  // The instance of T attached to this engine, made on first use (see Extensions).
  template <typename T>
  T& extension() {
    return extensions.get<T>();
  }
  Extensions extensions;
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
  // The database's time zone: every domain reckons local days, weeks and months through it.
  TimeZone zone() const { return live().zone.load(); }
  // Throws PermissionDenied unless the acting principal may change configuration (`what`).
  void require_admin(const std::string& what) const;
};

}  // namespace crmkit
