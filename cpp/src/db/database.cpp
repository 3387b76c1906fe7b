#include "crmkit/db/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "migrations_internal.h"

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
// Stmt

Stmt::Stmt(Database& db, SQLite::Statement* stmt, std::unique_ptr<SQLite::Statement> owned, bool* busy)
    : db_(&db), stmt_(stmt), owned_(std::move(owned)), busy_(busy) {}

Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), stmt_(o.stmt_), owned_(std::move(o.owned_)), busy_(o.busy_) {
  o.stmt_ = nullptr;
  o.busy_ = nullptr;
}

Stmt::~Stmt() {
  if (!stmt_) return;
  // A statement left mid-step would hold a read lock: reset it for the next user.
  try {
    stmt_->reset();
    stmt_->clearBindings();
  } catch (...) {
    // reset() reports the error of the last step, which the caller has already seen.
  }
  if (busy_) *busy_ = false;
}

#define CRMKIT_SQL_TRY(what) \
  try {                      \
    what;                    \
  } catch (...) {            \
    rethrow_storage_error(stmt_->getQuery()); \
  }

Stmt& Stmt::bind(int index, std::int64_t v) {
  CRMKIT_SQL_TRY(stmt_->bind(index, static_cast<int64_t>(v)));
  return *this;
}
Stmt& Stmt::bind(int index, double v) {
  CRMKIT_SQL_TRY(stmt_->bind(index, v));
  return *this;
}
Stmt& Stmt::bind(int index, std::string_view v) {
  CRMKIT_SQL_TRY(stmt_->bind(index, std::string(v)));
  return *this;
}
Stmt& Stmt::bind_null(int index) {
  CRMKIT_SQL_TRY(stmt_->bind(index));
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
  try {
    return stmt_->executeStep();
  } catch (...) {
    rethrow_storage_error("query failed");
  }
}

int Stmt::exec() {
  try {
    while (stmt_->executeStep()) {
    }
  } catch (...) {
    rethrow_storage_error("write failed");
  }
  return sqlite3_changes(db_->raw().getHandle());
}

void Stmt::reset() {
  CRMKIT_SQL_TRY(stmt_->reset(); stmt_->clearBindings());
}

bool Stmt::is_null(int col) const { return stmt_->isColumnNull(col); }
std::int64_t Stmt::get_int(int col) const { return stmt_->getColumn(col).getInt64(); }
double Stmt::get_double(int col) const { return stmt_->getColumn(col).getDouble(); }
std::string Stmt::get_text(int col) const {
  SQLite::Column c = stmt_->getColumn(col);
  const char* t = c.getText(nullptr);
  if (!t) return {};
  return std::string(t, static_cast<std::size_t>(c.getBytes()));
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
int Stmt::column_count() const { return stmt_->getColumnCount(); }

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(const std::string& path, const OpenOptions& options) : path_(path) {
  try {
    conn_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                                         SQLite::OPEN_NOMUTEX);
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

Database::~Database() = default;

SQLite::Database& Database::raw() { return *conn_; }

void Database::configure(const OpenOptions& options) {
  conn_->setBusyTimeout(options.busy_timeout_ms);
  // Reading the schema first surfaces "file is not a database" before any write is attempted.
  conn_->exec("SELECT count(*) FROM sqlite_master");
  conn_->exec("PRAGMA journal_mode=WAL");
  conn_->exec("PRAGMA foreign_keys=ON");
  conn_->exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  conn_->exec("PRAGMA temp_store=MEMORY");
}

int Database::schema_version() const {
  SQLite::Statement q(*conn_, "PRAGMA user_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

int Database::latest_schema_version() { return migrations().back().version; }

std::int64_t Database::data_version() {
  SQLite::Statement q(*conn_, "PRAGMA data_version");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

void Database::migrate() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const int latest = latest_schema_version();
  auto check_identity = [&](int version) {
    SQLite::Statement app(*conn_, "PRAGMA application_id");
    app.executeStep();
    int app_id = app.getColumn(0).getInt();
    if (version > latest)
      throw StorageError("'" + path_ + "' has schema version " + std::to_string(version) +
                         ", newer than this crmkit understands (" + std::to_string(latest) +
                         "); upgrade crmkit to open it");
    if (app_id != 0 && app_id != kApplicationId)
      throw StorageError("'" + path_ + "' is a SQLite database of another application, not crmkit");
    if (version == 0) {
      SQLite::Statement n(*conn_, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
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
    conn_->exec("BEGIN IMMEDIATE");
    try {
      version = schema_version();
      check_identity(version);
      for (const auto& m : migrations()) {
        if (m.version <= version) continue;
        conn_->exec(m.sql);
        conn_->exec("PRAGMA user_version=" + std::to_string(m.version));
        log::logger().info("db.migrate to schema version {}", m.version);
      }
      conn_->exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      conn_->exec("COMMIT");
    } catch (...) {
      conn_->exec("ROLLBACK");
      throw;
    }
  } catch (...) {
    rethrow_storage_error("cannot migrate '" + path_ + "'");
  }
}

Stmt Database::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  try {
    if (it == cache_.end()) {
      auto stmt = std::make_unique<SQLite::Statement>(*conn_, sql);
      it = cache_.emplace(sql, CacheEntry{std::move(stmt), false}).first;
    }
    if (it->second.busy) {
      // Re-entrant use of the same SQL (a statement still stepping): use a private copy.
      auto own = std::make_unique<SQLite::Statement>(*conn_, sql);
      SQLite::Statement* raw_stmt = own.get();
      return Stmt(*this, raw_stmt, std::move(own), nullptr);
    }
  } catch (...) {
    rethrow_storage_error("cannot prepare SQL");
  }
  it->second.busy = true;
  return Stmt(*this, it->second.stmt.get(), nullptr, &it->second.busy);
}

void Database::exec(const std::string& sql) {
  try {
    conn_->exec(sql);
  } catch (...) {
    rethrow_storage_error("statement failed");
  }
}

std::int64_t Database::last_insert_rowid() const { return conn_->getLastInsertRowid(); }

void Database::begin(bool write) {
  if (depth_ == 0)
    exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  else
    exec("SAVEPOINT sp" + std::to_string(depth_));
  ++depth_;
}

void Database::commit() {
  CRMKIT_ASSERT(depth_ > 0);
  if (depth_ == 1)
    exec("COMMIT");
  else
    exec("RELEASE sp" + std::to_string(depth_ - 1));
  --depth_;
}

void Database::rollback() {
  CRMKIT_ASSERT(depth_ > 0);
  try {
    if (depth_ == 1) {
      conn_->exec("ROLLBACK");
    } else {
      std::string sp = "sp" + std::to_string(depth_ - 1);
      conn_->exec("ROLLBACK TO " + sp + "; RELEASE " + sp);
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

}  // namespace crmkit::db
