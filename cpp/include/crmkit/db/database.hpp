// crmkit/db/database.hpp — the SQLite connection every repository goes through.
//
// Owns one SQLite connection (WAL, foreign keys, busy timeout, synchronous=NORMAL or FULL),
// applies the numbered schema migrations on open, caches prepared statements and turns nested
// transactions into savepoints. SQLite specifics stay in this layer so that a second SQL dialect
// is a bounded change.
//
// Thread-safety: one Database may be shared by threads; every statement and transaction must be
// used while holding `mutex()` (Transaction does this). Several processes may open the same file;
// SQLite's locking and the busy timeout serialise their writers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crmkit/db/change_feed.hpp"
#include "crmkit/value.hpp"

struct sqlite3_stmt;

namespace SQLite {
class Database;
}  // namespace SQLite

namespace crmkit::db {

struct OpenOptions {
  bool synchronous_full = false;  // FULL survives power loss of the last commits; NORMAL is faster
  int busy_timeout_ms = 10000;    // how long a writer waits for another process's lock
};

class Database;

// Owns one prepared statement (finalised on destruction).
struct PreparedStatement {
  sqlite3_stmt* handle = nullptr;
  std::string sql;
  PreparedStatement(sqlite3_stmt* h, std::string s) : handle(h), sql(std::move(s)) {}
  PreparedStatement(const PreparedStatement&) = delete;
  ~PreparedStatement();
};

// A cached prepared statement in use. Binds are 1-based. On destruction the statement is reset
// and its bindings cleared, ready for the next user. Errors are translated to crmkit errors.
// Statements use SQLite's C API directly: column reads are on every hot path (a find of 100,000
// rows reads over a million cells) and need no per-cell wrapper objects.
class Stmt {
 public:
  Stmt(Database& db, PreparedStatement* stmt, std::unique_ptr<PreparedStatement> owned, bool* busy);
  Stmt(Stmt&&) noexcept;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::int64_t v);
  Stmt& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Stmt& bind(int index, double v);
  Stmt& bind(int index, std::string_view v);
  Stmt& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v)); }
  Stmt& bind_null(int index);
  // Dates and instants bind as ms, lists as JSON text.
  Stmt& bind(int index, const Value& v);
  template <typename T>
  Stmt& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind_null(index);
  }
  // Binds each argument in order from index 1.
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Advances to the next row; false when done.
  bool step();
  // Runs to completion (for INSERT/UPDATE/DELETE); returns the number of changed rows.
  int exec();
  // Resets for re-execution with new bindings (keeps the statement).
  void reset();

  bool is_null(int col) const;
  std::int64_t get_int(int col) const;
  double get_double(int col) const;
  std::string get_text(int col) const;
  std::optional<std::int64_t> get_opt_int(int col) const;
  std::optional<double> get_opt_double(int col) const;
  std::optional<std::string> get_opt_text(int col) const;
  int column_count() const;
  // SQLite's storage class of the cell: 1 integer, 2 real, 3 text, 4 blob, 5 null.
  int column_type(int col) const;

 private:
  [[noreturn]] void fail(int rc, const char* what) const;
  Database* db_;
  PreparedStatement* stmt_;
  std::unique_ptr<PreparedStatement> owned_;
  bool* busy_;
};

class Database {
 public:
  // Opens or creates `path` (":memory:" for a throwaway database) and migrates it. Throws
  // StorageError if the file is not SQLite, is not a crmkit database, or has a newer schema.
  explicit Database(const std::string& path, const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  std::recursive_mutex& mutex() { return mutex_; }

  // A prepared statement from the cache (prepared on first use).
  Stmt prepare(const std::string& sql);
  // Runs one or more statements without results.
  void exec(const std::string& sql);
  std::int64_t last_insert_rowid() const;

  // Transactions nest: the outermost is BEGIN (IMMEDIATE when `write`), inner ones savepoints.
  // The caller must hold mutex() from begin() to the matching commit()/rollback().
  void begin(bool write);
  void commit();
  void rollback();
  int depth() const { return depth_; }
  // Increases with every outermost transaction: identifies "this transaction".
  std::uint64_t transaction_serial() const { return serial_; }

  int schema_version() const;
  static int latest_schema_version();
  // `PRAGMA data_version`: changes when another connection commits.
  std::int64_t data_version();

  SQLite::Database& raw();

  // The change feed of this connection's transactions (see crmkit/db/change_feed.hpp).
  ChangeFeed& feed() { return feed_; }

 private:
  friend class Stmt;
  void configure(const OpenOptions& options);
  void migrate();

  std::string path_;
  std::unique_ptr<SQLite::Database> conn_;
  std::unique_ptr<PreparedStatement> compile(const std::string& sql);
  struct CacheEntry {
    std::unique_ptr<PreparedStatement> stmt;
    bool busy = false;
  };
  std::unordered_map<std::string, CacheEntry> cache_;
  std::recursive_mutex mutex_;
  int depth_ = 0;
  std::uint64_t serial_ = 0;
  ChangeFeed feed_;
};

// RAII transaction: locks the database, begins (or opens a savepoint), and rolls back unless
// commit() was called. Use one per public operation so that a failed call changes nothing.
class Transaction {
 public:
  Transaction(Database& db, bool write = true);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool open_ = true;
};

// Translates the exception in flight (called inside a catch block) to a crmkit error: SQLite
// constraint violations become Conflict, everything else StorageError with `context`.
[[noreturn]] void rethrow_storage_error(const std::string& context);

}  // namespace crmkit::db

#include "crmkit/table.hpp"

namespace crmkit::db {

// Steps `q` to the end and returns its rows as a Table: result column i fills the i-th named
// column, read according to its type (NULL stays NULL). The one place where "a query becomes a
// Table" is written, for the many lists whose columns are exactly a SELECT's.
Table read_table(Stmt& q, std::initializer_list<std::pair<const char*, ColumnType>> columns);

}  // namespace crmkit::db
