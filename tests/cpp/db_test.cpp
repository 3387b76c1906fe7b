// Storage: migrations, refusal of foreign and newer files, savepoints, the statement cache.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

namespace fs = std::filesystem;
using crmkit::db::Database;
using crmkit::db::Transaction;

namespace {

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& name) : path(fs::temp_directory_path() / ("crmkit_db_test_" + name)) { clean(); }
  ~TempFile() { clean(); }
  void clean() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }
};

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::int64_t count(Database& db, const std::string& table) {
  auto q = db.prepare("SELECT count(*) FROM " + table);
  q.step();
  return q.get_int(0);
}

}  // namespace

TEST(Database, CreatesAndMigratesToLatest) {
  Database db(":memory:");
  EXPECT_EQ(db.schema_version(), Database::latest_schema_version());
  EXPECT_EQ(count(db, "roles"), 6);
}

TEST(Database, UsesWalOnFiles) {
  TempFile f("wal.db");
  Database db(f.path.string());
  auto q = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.get_text(0), "wal");
}

TEST(Database, RefusesAFileThatIsNotSqlite) {
  TempFile f("garbage.db");
  std::ofstream(f.path) << "this is not a database, just some text that is long enough to look like a header....";
  try {
    Database db(f.path.string());
    FAIL() << "expected StorageError";
  } catch (const crmkit::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("not a SQLite database"), std::string::npos) << e.what();
  }
}

TEST(Database, RefusesANewerSchema) {
  TempFile f("newer.db");
  { Database db(f.path.string()); }
  raw_exec(f.path.string(), "PRAGMA user_version = " + std::to_string(Database::latest_schema_version() + 1));
  try {
    Database db(f.path.string());
    FAIL() << "expected StorageError";
  } catch (const crmkit::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(Database, RefusesAnotherApplicationsDatabase) {
  TempFile f("other.db");
  raw_exec(f.path.string(), "CREATE TABLE invoices(id INTEGER PRIMARY KEY)");
  EXPECT_THROW(Database db(f.path.string()), crmkit::StorageError);
}

TEST(Database, NestedTransactionsAreSavepoints) {
  Database db(":memory:");
  {
    Transaction outer(db);
    db.exec("INSERT INTO teams(name, created_at) VALUES ('outer', 0)");
    {
      Transaction inner(db);
      db.exec("INSERT INTO teams(name, created_at) VALUES ('inner', 0)");
      // no commit: the inner savepoint rolls back alone
    }
    EXPECT_EQ(count(db, "teams"), 1);
    outer.commit();
  }
  EXPECT_EQ(count(db, "teams"), 1);
  {
    Transaction outer(db);
    db.exec("INSERT INTO teams(name, created_at) VALUES ('gone', 0)");
  }
  EXPECT_EQ(count(db, "teams"), 1);
  EXPECT_EQ(db.depth(), 0);
}

TEST(Database, ConstraintViolationsBecomeConflict) {
  Database db(":memory:");
  db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0)");
  EXPECT_THROW(db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0)"), crmkit::Conflict);
}

TEST(Database, StatementCacheSurvivesReentrantUse) {
  Database db(":memory:");
  db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0), ('b', 0)");
  const std::string sql = "SELECT name FROM teams ORDER BY id";
  auto outer = db.prepare(sql);
  ASSERT_TRUE(outer.step());
  {
    auto inner = db.prepare(sql);  // same SQL while the first is mid-step: a private copy
    ASSERT_TRUE(inner.step());
    EXPECT_EQ(inner.get_text(0), "a");
  }
  ASSERT_TRUE(outer.step());
  EXPECT_EQ(outer.get_text(0), "b");
}

TEST(Database, TwoConnectionsSeeEachOthersCommits) {
  TempFile f("shared.db");
  Database a(f.path.string());
  Database b(f.path.string());
  a.exec("INSERT INTO teams(name, created_at) VALUES ('from a', 0)");
  EXPECT_EQ(count(b, "teams"), 1);
}
