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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/db/change_feed.hpp"
#include "crmkit/dialect.hpp"
#include "crmkit/value.hpp"

namespace crmkit::db {

// How often this process's connections found the database locked by another writer and waited:
// `waits` lock encounters, `retries` attempts after a sleep, `waited_ms` the sleeping in all. A
// wait that outlasts the busy timeout ends in StorageError; every other one is invisible to the
// caller, so these counters are the only trace of contention (the concurrency soak reports them).
struct BusyStats {
  std::uint64_t waits = 0;
  std::uint64_t retries = 0;
  std::uint64_t waited_ms = 0;
};
BusyStats busy_stats();

struct OpenOptions {
  bool synchronous_full = false;  // FULL survives power loss of the last commits; NORMAL is faster
  int busy_timeout_ms = 10000;    // how long a writer waits for another process's lock
  // Prepared statements kept for reuse (least recently used idle ones are finalised beyond it).
  // Rules compiled to SQL make ad hoc statements, so an unbounded cache would grow with every
  // distinct rule. A statement in use is never evicted: while more than `capacity` statements are
  // alive at once the cache holds them all and shrinks back on the next prepare. 0 caches nothing
  // (every prepare compiles a statement of its own).
  std::size_t statement_cache_capacity = 256;
};

class Database;
// The dialect's prepared statement; defined inside the db implementation only.
struct PreparedStatement;

// The storage class of a result cell, as a row reader needs it to pick a typed accessor.
enum class CellType : std::uint8_t { Integer, Real, Text, Blob, Null };

// A cached prepared statement in use. Binds are 1-based. On destruction the statement is reset
// and its bindings cleared, ready for the next user. Errors are translated to crmkit errors.
// Column reads are on every hot path (a find of 100,000 rows reads over a million cells): the
// accessors are thin calls into the dialect with no per-cell wrapper objects, and text can be read
// as a view without a copy.
class Stmt {
 public:
  // Made by Database::prepare: `stmt` is cached (and `busy` its in-use flag) or `owned` privately.
  Stmt(Database& db, PreparedStatement* stmt, std::unique_ptr<PreparedStatement> owned, bool* busy);
  Stmt(Stmt&&) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
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
  // The cell's text without a copy, valid until the next step(), reset() or read of the same
  // cell as another type. Empty for NULL.
  std::string_view get_text_view(int col) const;
  std::optional<std::int64_t> get_opt_int(int col) const;
  std::optional<double> get_opt_double(int col) const;
  std::optional<std::string> get_opt_text(int col) const;
  int column_count() const;
  // The storage class of the cell in the current row.
  CellType cell_type(int col) const;
  // The SQL text the statement was prepared from (for error messages).
  const std::string& sql() const;

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
  // The id of the row the last INSERT on this connection created.
  std::int64_t last_insert_id() const;
  // Rows changed by this connection since it opened (each INSERT, UPDATE or DELETE counts): with
  // data_version(), tells a cache whether anything at all was written since it last looked.
  std::int64_t total_changes();

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
  // Changes when another connection commits (SQLite's `PRAGMA data_version`). Takes mutex().
  // Read once per write transaction: while it holds the write lock no other connection commits.
  std::int64_t data_version();

  // The change feed of this connection's transactions (see crmkit/db/change_feed.hpp).
  ChangeFeed& feed() { return feed_; }

  // The SQL forms of this database's engine (see crmkit/dialect.hpp).
  const Dialect& dialect() const { return sqlite_dialect(); }
  // Whether the schema has a table of that name (a column store or an older schema may lack one).
  bool table_exists(const std::string& name);
  // The column names of table `name`, in their order (empty when there is no such table).
  std::vector<std::string> column_names(const std::string& name);

  // The statement cache (see OpenOptions::statement_cache_capacity), for tests and diagnostics.
  std::size_t statement_cache_capacity() const;
  std::size_t cached_statements() const;
  bool is_cached(const std::string& sql) const;
  // Statements compiled since open (cache misses and private copies).
  std::uint64_t statements_compiled() const;

 private:
  friend class Stmt;
  friend class BulkWrite;
  struct Impl;
  void configure(const OpenOptions& options);
  void migrate();

  std::string path_;
  std::unique_ptr<Impl> impl_;
  std::recursive_mutex mutex_;
  int depth_ = 0;
  std::uint64_t serial_ = 0;
  bool outer_write_ = false;                // the outermost transaction is a write transaction
  int bulk_writes_ = 0;                     // open BulkWrite scopes
  std::uint64_t data_version_serial_ = 0;  // the write transaction data_version_ was read in
  std::int64_t data_version_ = 0;
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

// Connection settings for one operation that sweeps a whole table and only clears or copies
// references it has just read from existing rows (the pool's reclaim): SQLite's foreign-key pass is
// skipped, since such a write cannot break a reference and the pass doubles the cost of a
// million-row UPDATE of a referencing column. Create it before the operation's Transaction: SQLite
// ignores the setting inside a transaction, so under a caller's open transaction the checks simply
// stay on. Holds the database's lock, and turns the checks back on when it ends.
class Sweep {
 public:
  explicit Sweep(Database& db);
  ~Sweep();
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool foreign_keys_off_ = false;
};

// One write of many rows (add_many, log_many, an import): while it lasts the page cache may grow to
// 64 MB, so that the transaction's dirty pages stay in memory instead of spilling to the WAL
// before the commit (which costs a bulk insert of orders or interactions a sixth more). The
// connection otherwise keeps SQLite's 2 MB default: a page cache larger than the processor's makes
// every read slower (a fifth of a million-row indexed count). Nests; holds the database's lock.
class BulkWrite {
 public:
  explicit BulkWrite(Database& db);
  ~BulkWrite();
  BulkWrite(const BulkWrite&) = delete;
  BulkWrite& operator=(const BulkWrite&) = delete;

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
};

// A temporary table of this connection for one operation's set-based steps (the pool's due
// customers, a time-zone move's map of instants): created on first use, empty when the scope
// begins, and emptied by clear() before the operation commits. name() is how statements refer to
// it; the schema that holds temporary tables is the dialect's.
class ScratchTable {
 public:
  // `columns` is the column list of CREATE TABLE, e.g. "(id INTEGER PRIMARY KEY, at INTEGER)".
  ScratchTable(Database& db, std::string_view name, std::string_view columns);
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
  const std::string& name() const { return name_; }
  void clear();

 private:
  Database& db_;
  std::string name_;
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
