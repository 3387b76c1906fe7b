#include "crmkit/db/maintenance.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "migrations_internal.h"

namespace crmkit::db {

std::int64_t crmkit_application_id() { return kApplicationId; }

std::int64_t application_id(Database& db) {
  auto q = db.prepare("PRAGMA application_id");
  return q.step() ? q.get_int(0) : 0;
}

std::vector<std::string> integrity_problems(Database& db, int limit) {
  auto q = db.prepare("PRAGMA integrity_check(" + std::to_string(limit) + ")");
  std::vector<std::string> lines;
  while (q.step()) lines.push_back(q.get_text(0));
  if (lines.size() == 1 && lines[0] == "ok") lines.clear();
  return lines;
}

BrokenReferences broken_references(Database& db) {
  auto q = db.prepare("PRAGMA foreign_key_check");
  BrokenReferences out;
  while (q.step()) {
    if (out.count++ == 0)
      out.first = q.get_text(0) + " row " + std::to_string(q.get_int(1)) + " refers to a missing " + q.get_text(2);
  }
  return out;
}

namespace {

// A raw connection for the backup's two ends, closed however the backup ends; the target's file
// is removed unless the copy was verified.
struct Connection {
  std::string path;
  sqlite3* handle = nullptr;
  bool remove_file = false;  // the target: delete it unless keep() was called

  Connection(std::string p, int flags, bool is_target) : path(std::move(p)), remove_file(is_target) {
    if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK)
      fail(is_target ? "cannot create the file" : "cannot open the database");
    sqlite3_busy_timeout(handle, 10000);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    sqlite3_close_v2(handle);
    if (remove_file) {
      std::error_code ignored;
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ignored);
    }
  }
  void keep() { remove_file = false; }

  [[noreturn]] void fail(const std::string& what) const {
    throw StorageError("backup to '" + path + "' failed: " + what +
                       (handle ? std::string(" (") + sqlite3_errmsg(handle) + ")" : std::string()));
  }
  // The first column of every row of `sql`, as text.
  std::vector<std::string> column(const std::string& sql) const {
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &q, nullptr) != SQLITE_OK) {
      sqlite3_finalize(q);
      fail("cannot run " + sql);
    }
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(q, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) fail("cannot run " + sql);
    return out;
  }
};

void check_target(const Database& db, const std::string& target) {
  namespace fs = std::filesystem;
  if (target.empty() || target == ":memory:" || target.starts_with("file:"))
    throw ValidationError("path: a backup needs the name of a new file", "path");
  std::error_code ec;
  const fs::path where = fs::absolute(fs::path(target), ec);
  const fs::path dir = where.parent_path();
  if (!fs::is_directory(dir, ec))
    throw ValidationError("path: the directory '" + dir.string() + "' does not exist; create it first", "path");
  if (fs::exists(where, ec)) {
    if (db.path() != ":memory:" && fs::equivalent(fs::path(db.path()), where, ec))
      throw ValidationError("path: a database cannot be backed up onto itself", "path");
    throw ValidationError("path: '" + target + "' already exists; a backup never overwrites a file", "path");
  }
}

// Copies a file database page by page from a connection of its own.
std::int64_t copy_file(const std::string& source, Connection& copy) {
  Connection src(source, SQLITE_OPEN_READWRITE, false);
  sqlite3_backup* b = sqlite3_backup_init(copy.handle, "main", src.handle, "main");
  if (!b) copy.fail("cannot start");
  // One step of every page: the source's read snapshot is held from the first page to the last.
  // Stepping in pieces would restart the copy after every foreign commit and, under a steady
  // stream of writes, might never finish.
  int rc;
  for (int waited_ms = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED;) {
    if (waited_ms >= 10000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    waited_ms += 20;
  }
  const std::int64_t pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    copy.fail(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "the database stayed busy for 10 s" : "the copy failed");
  return pages;
}

}  // namespace

std::int64_t backup(Database& db, const std::string& target) {
  check_target(db, target);
  std::unique_lock<std::recursive_mutex> lock(db.mutex());
  if (db.depth() > 0)
    throw StorageError("crm.backup() cannot run inside a transaction: the copy would miss its uncommitted "
                       "changes; call it after the transaction ends");
  const int version = db.schema_version();
  std::int64_t pages = 0;
  std::optional<Connection> copy;
  if (db.path() == ":memory:") {
    // An in-memory database has no file another connection could read: it writes its own copy
    // (under its mutex, so the copy is one commit point of this connection).
    try {
      db.prepare("VACUUM INTO ?").bind(1, target).exec();
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove(target, ignored);
      throw;
    }
    copy.emplace(target, SQLITE_OPEN_READWRITE, true);
  } else {
    lock.unlock();  // the copy reads through its own connection; this one stays free for others
    copy.emplace(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, true);
    pages = copy_file(db.path(), *copy);
  }
  // A single self-contained file: the copy is moved and archived on its own, with no -wal file.
  if (copy->column("PRAGMA journal_mode=DELETE") != std::vector<std::string>{"delete"})
    copy->fail("cannot switch the copy to a rollback journal");
  const auto integrity = copy->column("PRAGMA integrity_check");
  if (integrity != std::vector<std::string>{"ok"})
    copy->fail("the copy does not pass integrity_check: " + (integrity.empty() ? std::string() : integrity[0]));
  if (copy->column("PRAGMA user_version") != std::vector<std::string>{std::to_string(version)})
    copy->fail("the copy's schema version differs from the database's");
  if (copy->column("PRAGMA application_id") != std::vector<std::string>{std::to_string(kApplicationId)})
    copy->fail("the copy does not carry crmkit's application id");
  if (pages == 0) pages = std::stoll(copy->column("PRAGMA page_count").at(0));
  copy->keep();
  log::logger().info("db.backup source={} target={} pages={}", db.path(), target, pages);
  return pages;
}

}  // namespace crmkit::db
