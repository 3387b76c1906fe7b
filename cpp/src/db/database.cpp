#include "crmkit/db/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <list>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "migrations_internal.h"
#include "sql_trace_internal.h"

namespace crmkit::db {

void rethrow_storage_error(const std::string& context) {
  try {
    throw;
  } catch (const crmkit::Error&) {
    throw;
  } catch (const SQLite::Exception& e) {
    int code = e.getErrorCode();
    std::string what = e.what();
    if (code == SQLITE_CONSTRAINT) throw Conflict(context + ": " + what);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
      throw StorageError(context + ": the database is busy (another process holds the write lock): " + what);
    throw StorageError(context + ": " + what);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw StorageError(context + ": " + e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// The connection and its statement cache

// Owns one prepared statement (finalised on destruction).
struct PreparedStatement {
  sqlite3_stmt* handle = nullptr;
  std::string sql;
  PreparedStatement(sqlite3_stmt* h, std::string s) : handle(h), sql(std::move(s)) {}
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement() { sqlite3_finalize(handle); }
};

namespace {

std::atomic<std::uint64_t> busy_waits{0};
std::atomic<std::uint64_t> busy_retries{0};
std::atomic<std::uint64_t> busy_waited_ms{0};

// SQLite calls this while another connection holds a lock this one needs; returning nonzero
// retries, zero gives up with SQLITE_BUSY. Short sleeps first, so an uncontended wait costs
// little, then a retry every 20 ms until the busy timeout, plus counters for diagnostics.
// SQLite's own handler backs off to 100 ms; the lock is not queued, so a waiter that sleeps that
// long keeps missing the short gaps between other writers' commits: the concurrency soak saw two
// of 8,854 waits starve past the 10 s timeout under eight busy writers.
int on_busy(void* timeout_ms, int attempt) {
  static constexpr int kDelaysMs[] = {1, 2, 5, 10, 15, 20};
  static constexpr int kSteps = static_cast<int>(std::size(kDelaysMs));
  const int limit = *static_cast<const int*>(timeout_ms);
  int slept = 0;
  for (int i = 0; i < std::min(attempt, kSteps); ++i) slept += kDelaysMs[i];
  if (attempt >= kSteps) slept += (attempt - kSteps) * kDelaysMs[kSteps - 1];
  if (slept >= limit) return 0;
  const int delay = std::min(attempt < kSteps ? kDelaysMs[attempt] : kDelaysMs[kSteps - 1], limit - slept);
  if (attempt == 0) busy_waits.fetch_add(1, std::memory_order_relaxed);
  busy_retries.fetch_add(1, std::memory_order_relaxed);
  busy_waited_ms.fetch_add(static_cast<std::uint64_t>(delay), std::memory_order_relaxed);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  return 1;
}

}  // namespace

BusyStats busy_stats() {
  return {busy_waits.load(std::memory_order_relaxed), busy_retries.load(std::memory_order_relaxed),
          busy_waited_ms.load(std::memory_order_relaxed)};
}

struct Database::Impl {
  std::unique_ptr<SQLite::Database> conn;
  sqlite3* handle = nullptr;
  int busy_timeout_ms = 0;  // read by on_busy while this connection waits

  // The statement cache, least recently used last. List nodes never move, so a Stmt may keep a
  // pointer to its entry's `busy` flag; an entry is only erased while no Stmt uses it.
  struct Entry {
    std::unique_ptr<PreparedStatement> stmt;
    bool busy = false;
  };
  std::list<Entry> lru;
  // Keys view the SQL held by their entry's statement.
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index;
  std::size_t capacity = 256;
  std::uint64_t compiled = 0;

  std::unique_ptr<PreparedStatement> compile(const std::string& sql) {
    sqlite3_stmt* h = nullptr;
    // PERSISTENT only for statements the cache keeps: it tells SQLite to allocate for a long life.
    const unsigned flags = capacity > 0 ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(handle, sql.c_str(), static_cast<int>(sql.size()), flags, &h, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(h);
      throw StorageError(std::string("cannot prepare SQL: ") + sqlite3_errmsg(handle) + " (" + sql + ")");
    }
    ++compiled;
    detail::trace_sql(sql);
    return std::make_unique<PreparedStatement>(h, sql);
  }

  // Finalises least recently used idle statements until the cache is within capacity (or only
  // statements in use remain).
  void evict() {
    auto it = lru.end();
    while (lru.size() > capacity && it != lru.begin()) {
      --it;
      if (it->busy) continue;
      index.erase(std::string_view(it->stmt->sql));
      it = lru.erase(it);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Stmt

Stmt::Stmt(Database& db, PreparedStatement* stmt, std::unique_ptr<PreparedStatement> owned, bool* busy)
    : db_(&db), stmt_(stmt), owned_(std::move(owned)), busy_(busy) {}

Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), stmt_(o.stmt_), owned_(std::move(o.owned_)), busy_(o.busy_) {
  o.stmt_ = nullptr;
  o.busy_ = nullptr;
}

Stmt::~Stmt() {
  if (!stmt_) return;
  // A statement left mid-step would hold a read lock: reset it for the next user.
  sqlite3_reset(stmt_->handle);
  sqlite3_clear_bindings(stmt_->handle);
  if (busy_) *busy_ = false;
}

void Stmt::fail(int rc, const char* what) const {
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db_->impl_->handle) + " (" + stmt_->sql + ")";
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) throw Conflict(message);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    throw StorageError("the database is busy (another process holds the write lock): " + message);
  throw StorageError(message);
}

Stmt& Stmt::bind(int index, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_->handle, index, v); rc != SQLITE_OK) fail(rc, "bind failed");
  return *this;
}
Stmt& Stmt::bind(int index, double v) {
  if (int rc = sqlite3_bind_double(stmt_->handle, index, v); rc != SQLITE_OK) fail(rc, "bind failed");
  return *this;
}
Stmt& Stmt::bind(int index, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_->handle, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc, "bind failed");
  return *this;
}
Stmt& Stmt::bind_null(int index) {
  if (int rc = sqlite3_bind_null(stmt_->handle, index); rc != SQLITE_OK) fail(rc, "bind failed");
  return *this;
}

Stmt& Stmt::bind(int index, const Value& v) {
  switch (v.v.index()) {
    case 0: return bind_null(index);
    case 1: return bind(index, v.as<bool>());
    case 2: return bind(index, v.as<std::int64_t>());
    case 3: return bind(index, v.as<double>());
    case 4: return bind(index, v.as<std::string>());
    case 6: return bind(index, v.as<Date>().ms);
    case 7: return bind(index, v.as<Timestamp>().ms);
    default: return bind(index, v.to_text());
  }
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_->handle);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "query failed");
}

int Stmt::exec() {
  int rc;
  while ((rc = sqlite3_step(stmt_->handle)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) fail(rc, "write failed");
  return sqlite3_changes(db_->impl_->handle);
}

void Stmt::reset() {
  sqlite3_reset(stmt_->handle);
  sqlite3_clear_bindings(stmt_->handle);
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_->handle, col) == SQLITE_NULL; }
std::int64_t Stmt::get_int(int col) const { return sqlite3_column_int64(stmt_->handle, col); }
double Stmt::get_double(int col) const { return sqlite3_column_double(stmt_->handle, col); }
std::string Stmt::get_text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_->handle, col);
  if (!t) return {};
  return std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt_->handle, col)));
}
std::optional<std::int64_t> Stmt::get_opt_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return get_int(col);
}
std::optional<double> Stmt::get_opt_double(int col) const {
  if (is_null(col)) return std::nullopt;
  return get_double(col);
}
std::optional<std::string> Stmt::get_opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return get_text(col);
}
int Stmt::column_count() const { return sqlite3_column_count(stmt_->handle); }
CellType Stmt::cell_type(int col) const {
  switch (sqlite3_column_type(stmt_->handle, col)) {
    case SQLITE_INTEGER: return CellType::Integer;
    case SQLITE_FLOAT: return CellType::Real;
    case SQLITE_TEXT: return CellType::Text;
    case SQLITE_BLOB: return CellType::Blob;
    default: return CellType::Null;
  }
}
std::string_view Stmt::get_text_view(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_->handle, col);
  if (!t) return {};
  return {reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt_->handle, col))};
}
const std::string& Stmt::sql() const { return stmt_->sql; }

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(const std::string& path, const OpenOptions& options) : path_(path), impl_(std::make_unique<Impl>()) {
  impl_->capacity = options.statement_cache_capacity;
  try {
    impl_->conn = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                                               SQLite::OPEN_NOMUTEX);
    impl_->handle = impl_->conn->getHandle();
  } catch (...) {
    rethrow_storage_error("cannot open '" + path + "'");
  }
  try {
    configure(options);
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_NOTADB)
      throw StorageError("'" + path + "' is not a SQLite database (file is not a database)");
    rethrow_storage_error("cannot open '" + path + "'");
  }
  migrate();
  log::logger().debug("db.open path={} schema={}", path_, schema_version());
}

// The cached statements are finalised before the connection closes (members of Impl are
// destroyed in reverse order: the cache first).
Database::~Database() = default;


std::size_t Database::statement_cache_capacity() const { return impl_->capacity; }
std::size_t Database::cached_statements() const { return impl_->lru.size(); }
bool Database::is_cached(const std::string& sql) const { return impl_->index.contains(std::string_view(sql)); }
std::uint64_t Database::statements_compiled() const { return impl_->compiled; }

namespace {
// The page cache (negative: KiB) a connection keeps, SQLite's default, and the one a bulk write
// may fill.
constexpr const char* kReadCacheSize = "PRAGMA cache_size=-2000";
constexpr const char* kBulkCacheSize = "PRAGMA cache_size=-65536";
}  // namespace

void Database::configure(const OpenOptions& options) {
  impl_->busy_timeout_ms = options.busy_timeout_ms;
  sqlite3_busy_handler(impl_->handle, on_busy, &impl_->busy_timeout_ms);
  // Reading the schema first surfaces "file is not a database" before any write is attempted.
  impl_->conn->exec("SELECT count(*) FROM sqlite_master");
  impl_->conn->exec("PRAGMA journal_mode=WAL");
  impl_->conn->exec("PRAGMA foreign_keys=ON");
  impl_->conn->exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  impl_->conn->exec("PRAGMA temp_store=MEMORY");
  // SQLite's default page cache; a bulk write raises it while it lasts (BulkWrite).
  impl_->conn->exec(kReadCacheSize);
}

int Database::schema_version() const {
  SQLite::Statement q(*impl_->conn, "PRAGMA user_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

int Database::latest_schema_version() { return migrations().back().version; }

std::int64_t Database::data_version() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const bool in_write = depth_ > 0 && outer_write_;
  if (in_write && data_version_serial_ == serial_) return data_version_;
  auto q = prepare("PRAGMA data_version");
  if (!q.step()) throw StorageError("PRAGMA data_version returned no row");
  const std::int64_t v = q.get_int(0);
  if (in_write) {
    data_version_ = v;
    data_version_serial_ = serial_;
  }
  return v;
}

std::int64_t Database::total_changes() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  return sqlite3_total_changes64(impl_->handle);
}

void Database::migrate() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const int latest = latest_schema_version();
  auto check_identity = [&](int version) {
    SQLite::Statement app(*impl_->conn, "PRAGMA application_id");
    app.executeStep();
    int app_id = app.getColumn(0).getInt();
    if (version > latest)
      throw StorageError("'" + path_ + "' has schema version " + std::to_string(version) +
                         ", newer than this crmkit understands (" + std::to_string(latest) +
                         "); upgrade crmkit to open it");
    if (app_id != 0 && app_id != kApplicationId)
      throw StorageError("'" + path_ + "' is a SQLite database of another application, not crmkit");
    if (version == 0) {
      SQLite::Statement n(*impl_->conn, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
      n.executeStep();
      if (n.getColumn(0).getInt() > 0)
        throw StorageError("'" + path_ + "' is a SQLite database but not a crmkit database (it has tables of its own)");
    }
  };
  try {
    int version = schema_version();
    check_identity(version);
    if (version == latest) return;
    // IMMEDIATE: two processes opening a fresh file at once must not both migrate.
    impl_->conn->exec("BEGIN IMMEDIATE");
    try {
      version = schema_version();
      check_identity(version);
      for (const auto& m : migrations()) {
        if (m.version <= version) continue;
        impl_->conn->exec(m.sql);
        impl_->conn->exec("PRAGMA user_version=" + std::to_string(m.version));
        log::logger().info("db.migrate to schema version {}", m.version);
      }
      impl_->conn->exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      impl_->conn->exec("COMMIT");
    } catch (...) {
      impl_->conn->exec("ROLLBACK");
      throw;
    }
  } catch (...) {
    rethrow_storage_error("cannot migrate '" + path_ + "'");
  }
}

Stmt Database::prepare(const std::string& sql) {
  Impl& c = *impl_;
  auto found = c.index.find(std::string_view(sql));
  if (found == c.index.end()) {
    auto own = c.compile(sql);
    if (c.capacity == 0) {
      PreparedStatement* p = own.get();
      return Stmt(*this, p, std::move(own), nullptr);
    }
    // Marked in use before evicting, so the eviction never picks the statement being handed out.
    c.lru.push_front(Impl::Entry{std::move(own), true});
    Impl::Entry& e = c.lru.front();
    c.index.emplace(std::string_view(e.stmt->sql), c.lru.begin());
    c.evict();
    return Stmt(*this, e.stmt.get(), nullptr, &e.busy);
  }
  if (found->second != c.lru.begin()) c.lru.splice(c.lru.begin(), c.lru, found->second);
  Impl::Entry& e = *found->second;
  if (e.busy) {
    // Re-entrant use of the same SQL (a statement still stepping): use a private copy.
    auto own = c.compile(sql);
    PreparedStatement* p = own.get();
    return Stmt(*this, p, std::move(own), nullptr);
  }
  e.busy = true;
  return Stmt(*this, e.stmt.get(), nullptr, &e.busy);
}

void Database::exec(const std::string& sql) {
  try {
    impl_->conn->exec(sql);
    detail::trace_sql(sql);  // what ran, as compile() traces what compiled
  } catch (...) {
    rethrow_storage_error("statement failed");
  }
}

bool Database::table_exists(const std::string& name) {
  auto q = prepare(dialect().table_exists_query());
  q.bind(1, name);
  return q.step();
}

ScratchTable::ScratchTable(Database& db, std::string_view name, std::string_view columns)
    : db_(db), name_(db.dialect().temporary_table(name)) {
  db_.exec("CREATE TEMP TABLE IF NOT EXISTS " + std::string(name) + std::string(columns));
  clear();  // rows an earlier operation left behind when it failed before its clear()
}

void ScratchTable::clear() { db_.prepare("DELETE FROM " + name_).exec(); }

std::vector<std::string> Database::column_names(const std::string& name) {
  auto q = prepare(dialect().column_names_query());
  q.bind(1, name);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(impl_->handle); }

// Transaction statements go through the statement cache: every public call runs at least two of
// them, and parsing them each time was a measurable share of a one-record read.
void Database::begin(bool write) {
  if (depth_ == 0) {
    prepare(write ? "BEGIN IMMEDIATE" : "BEGIN").exec();
    ++serial_;
    outer_write_ = write;
  } else {
    prepare("SAVEPOINT sp" + std::to_string(depth_)).exec();
    feed_.on_savepoint();
  }
  ++depth_;
}

void Database::commit() {
  CRMKIT_ASSERT(depth_ > 0);
  if (depth_ == 1) {
    // The transaction's events are written inside it, so they commit (or fail) with it.
    feed_.flush(*this);
    prepare("COMMIT").exec();
    feed_.clear();
  } else {
    prepare("RELEASE sp" + std::to_string(depth_ - 1)).exec();
    feed_.on_release();
  }
  --depth_;
}

void Database::rollback() {
  CRMKIT_ASSERT(depth_ > 0);
  if (depth_ == 1)
    feed_.clear();
  else
    feed_.on_rollback_savepoint();
  try {
    if (depth_ == 1) {
      prepare("ROLLBACK").exec();
    } else {
      std::string sp = "sp" + std::to_string(depth_ - 1);
      prepare("ROLLBACK TO " + sp).exec();
      prepare("RELEASE " + sp).exec();
    }
  } catch (...) {
    // A failed COMMIT may already have ended the transaction; nothing is left to undo then.
  }
  --depth_;
}

// ---------------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction(Database& db, bool write) : db_(db), lock_(db.mutex()) { db_.begin(write); }

Transaction::~Transaction() {
  if (open_) db_.rollback();
}

void Transaction::commit() {
  CRMKIT_ASSERT(open_);
  open_ = false;
  try {
    db_.commit();
  } catch (...) {
    // A failed COMMIT (e.g. busy) leaves the transaction open: undo it so nothing half-lands.
    open_ = true;
    throw;
  }
}

// ---------------------------------------------------------------------------------------------
// Sweep

Sweep::Sweep(Database& db) : db_(db), lock_(db.mutex()) {
  if (db_.depth() == 0) {
    db_.exec("PRAGMA foreign_keys=OFF");
    foreign_keys_off_ = true;
  }
}

Sweep::~Sweep() {
  // Restoring a setting cannot fail on an open connection; if it somehow does, the connection keeps
  // working without reference checks until reopened, which is logged.
  try {
    if (foreign_keys_off_) db_.exec("PRAGMA foreign_keys=ON");
  } catch (const std::exception& e) {
    log::logger().error("db.sweep could not restore connection settings: {}", e.what());
  }
}

BulkWrite::BulkWrite(Database& db) : db_(db), lock_(db.mutex()) {
  if (db_.bulk_writes_ == 0) db_.exec(kBulkCacheSize);  // counted only once it took effect
  ++db_.bulk_writes_;
}

BulkWrite::~BulkWrite() {
  try {
    if (--db_.bulk_writes_ == 0) db_.exec(kReadCacheSize);
  } catch (const std::exception& e) {
    log::logger().error("db.bulk_write could not restore the page cache: {}", e.what());
  }
}

}  // namespace crmkit::db

namespace crmkit::db {

Table read_table(Stmt& q, std::initializer_list<std::pair<const char*, ColumnType>> columns) {
  Table t;
  for (const auto& [name, type] : columns) t.add_column(name, type);
  while (q.step()) {
    for (std::size_t i = 0; i < t.width(); ++i) {
      Column& c = t.column(i);
      int col = static_cast<int>(i);
      switch (c.type) {
        case ColumnType::Float: c.push_opt(q.get_opt_double(col)); break;
        case ColumnType::Text: c.push_opt(q.get_opt_text(col)); break;
        case ColumnType::TextList: c.push_null(); break;  // lists are never a plain SQL column
        default: c.push_opt(q.get_opt_int(col));
      }
    }
  }
  return t;
}

}  // namespace crmkit::db
