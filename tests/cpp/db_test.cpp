// Storage: migrations, refusal of foreign and newer files, savepoints, the statement cache.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/db/maintenance.hpp"
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

std::int64_t pragma(Database& db, const std::string& name) {
  auto q = db.prepare("PRAGMA " + name);
  q.step();
  std::int64_t v = q.get_int(0);
  q.reset();
  return v;
}

TEST(Database, ASweepSkipsReferenceChecksOnlyWhileItLasts) {
  Database db(":memory:");
  db.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(parent_id INTEGER REFERENCES parent(id))");
  {
    crmkit::db::Sweep sweep(db);
    EXPECT_EQ(pragma(db, "foreign_keys"), 0);
    Transaction tx(db);
    db.exec("INSERT INTO child VALUES (7)");
    tx.commit();
  }
  EXPECT_EQ(pragma(db, "foreign_keys"), 1);
  EXPECT_THROW(db.exec("INSERT INTO child VALUES (8)"), crmkit::Conflict);
  EXPECT_EQ(count(db, "child"), 1);
}

TEST(Database, ConsistencyChecksNameTheBrokenReference) {
  Database db(":memory:");
  EXPECT_TRUE(crmkit::db::integrity_problems(db, 20).empty());
  EXPECT_EQ(crmkit::db::broken_references(db).count, 0);
  EXPECT_EQ(crmkit::db::application_id(db), crmkit::db::crmkit_application_id());
  db.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(parent_id INTEGER REFERENCES parent(id))");
  {
    crmkit::db::Sweep sweep(db);
    db.exec("INSERT INTO child VALUES (7); INSERT INTO child VALUES (8)");
  }
  const auto broken = crmkit::db::broken_references(db);
  EXPECT_EQ(broken.count, 2);
  EXPECT_EQ(broken.first, "child row 1 refers to a missing parent");
}

TEST(Database, AScratchTableStartsEmptyAndIsNamedByTheDialect) {
  Database db(":memory:");
  Transaction tx(db);
  {
    crmkit::db::ScratchTable t(db, "scratch_test", "(id INTEGER PRIMARY KEY)");
    EXPECT_EQ(t.name(), "temp.scratch_test");
    db.exec("INSERT INTO " + t.name() + " VALUES (1), (2)");
    EXPECT_EQ(count(db, t.name()), 2);
  }  // left full, as an operation that failed before its clear() leaves it
  crmkit::db::ScratchTable again(db, "scratch_test", "(id INTEGER PRIMARY KEY)");
  EXPECT_EQ(count(db, again.name()), 0);
  db.exec("INSERT INTO " + again.name() + " VALUES (3)");
  again.clear();
  EXPECT_EQ(count(db, again.name()), 0);
  EXPECT_FALSE(db.table_exists("scratch_test"));  // not in the database's own schema
  tx.commit();
}

TEST(Database, ColumnNamesInTheirOrder) {
  Database db(":memory:");
  db.exec("CREATE TABLE t(b INTEGER, a TEXT, c REAL)");
  EXPECT_EQ(db.column_names("t"), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(db.column_names("no_such_table").empty());
}

TEST(Database, ABulkWriteRaisesThePageCacheWhileItLasts) {
  Database db(":memory:");
  const std::int64_t normal = pragma(db, "cache_size");
  EXPECT_EQ(normal, -2000);  // SQLite's default, in KiB
  {
    crmkit::db::BulkWrite outer(db);
    EXPECT_EQ(pragma(db, "cache_size"), -65536);
    {
      crmkit::db::BulkWrite inner(db);  // nested: the outer one restores
    }
    EXPECT_EQ(pragma(db, "cache_size"), -65536);
  }
  EXPECT_EQ(pragma(db, "cache_size"), normal);
}

TEST(Database, ASweepInsideACallersTransactionKeepsTheChecks) {
  Database db(":memory:");
  db.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(parent_id INTEGER REFERENCES parent(id))");
  Transaction outer(db);
  {
    crmkit::db::Sweep sweep(db);
    Transaction tx(db);
    EXPECT_THROW(db.exec("INSERT INTO child VALUES (7)"), crmkit::Conflict);
  }
  outer.commit();
  EXPECT_EQ(pragma(db, "foreign_keys"), 1);
  EXPECT_EQ(count(db, "child"), 0);
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

TEST(Database, DataVersionIsReadOncePerWriteTransactionAndSeesOtherConnectionsAfter) {
  TempFile f("data_version.db");
  Database a(f.path.string());
  Database b(f.path.string());
  const std::int64_t before = a.data_version();
  {
    Transaction tx(a);
    EXPECT_EQ(a.data_version(), before);
    a.exec("INSERT INTO teams(name, created_at) VALUES ('own write', 0)");
    EXPECT_EQ(a.data_version(), before);  // its own writes never move it
    tx.commit();
  }
  EXPECT_EQ(a.data_version(), before);
  b.exec("INSERT INTO teams(name, created_at) VALUES ('from b', 0)");
  const std::int64_t after = a.data_version();
  EXPECT_NE(after, before);
  {
    Transaction tx(a);  // a new write transaction reads it again
    EXPECT_EQ(a.data_version(), after);
    tx.commit();
  }
  b.exec("INSERT INTO teams(name, created_at) VALUES ('from b again', 0)");
  Transaction tx(a);
  EXPECT_NE(a.data_version(), after);
}

TEST(Database, TwoConnectionsSeeEachOthersCommits) {
  TempFile f("shared.db");
  Database a(f.path.string());
  Database b(f.path.string());
  a.exec("INSERT INTO teams(name, created_at) VALUES ('from a', 0)");
  EXPECT_EQ(count(b, "teams"), 1);
}

namespace {

crmkit::db::OpenOptions small_cache(std::size_t capacity) {
  crmkit::db::OpenOptions o;
  o.statement_cache_capacity = capacity;
  return o;
}

// A distinct statement per n whose result tells which one ran.
std::string numbered(int n) { return "SELECT " + std::to_string(n) + " + count(*) FROM teams"; }

std::int64_t run(Database& db, const std::string& sql) {
  auto q = db.prepare(sql);
  EXPECT_TRUE(q.step());
  return q.get_int(0);
}

}  // namespace

TEST(Database, StatementCacheHasADefaultCapacity) {
  Database db(":memory:");
  EXPECT_EQ(db.statement_cache_capacity(), 256u);
}

TEST(Database, ManyDistinctStatementsKeepTheCacheAtCapacity) {
  Database db(":memory:", small_cache(8));
  for (int n = 0; n < 100; ++n) {
    EXPECT_EQ(run(db, numbered(n)), n);
    EXPECT_LE(db.cached_statements(), 8u);
  }
  EXPECT_EQ(db.cached_statements(), 8u);
  // The most recent ones are kept, the oldest evicted.
  EXPECT_TRUE(db.is_cached(numbered(99)));
  EXPECT_TRUE(db.is_cached(numbered(92)));
  EXPECT_FALSE(db.is_cached(numbered(91)));
  EXPECT_FALSE(db.is_cached(numbered(0)));
}

TEST(Database, StatementCacheEvictsTheLeastRecentlyUsed) {
  Database db(":memory:", small_cache(3));
  run(db, numbered(1));
  run(db, numbered(2));
  run(db, numbered(3));
  run(db, numbered(1));  // 1 is now the most recent; 2 the least
  const auto compiled = db.statements_compiled();
  run(db, numbered(4));
  EXPECT_TRUE(db.is_cached(numbered(1)));
  EXPECT_FALSE(db.is_cached(numbered(2)));
  EXPECT_TRUE(db.is_cached(numbered(3)));
  EXPECT_TRUE(db.is_cached(numbered(4)));
  EXPECT_EQ(db.statements_compiled(), compiled + 1);
  // A hit compiles nothing.
  run(db, numbered(3));
  EXPECT_EQ(db.statements_compiled(), compiled + 1);
}

TEST(Database, AStatementInUseSurvivesEvictionPressure) {
  Database db(":memory:", small_cache(4));
  db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0), ('b', 0), ('c', 0)");
  const std::string sql = "SELECT name FROM teams ORDER BY id";
  auto held = db.prepare(sql);
  ASSERT_TRUE(held.step());
  EXPECT_EQ(held.get_text(0), "a");
  for (int n = 0; n < 50; ++n) EXPECT_EQ(run(db, numbered(n)), n + 3);
  // Still cached and still positioned on its row: it was never finalised or reset.
  EXPECT_TRUE(db.is_cached(sql));
  EXPECT_LE(db.cached_statements(), 4u);
  ASSERT_TRUE(held.step());
  EXPECT_EQ(held.get_text(0), "b");
  ASSERT_TRUE(held.step());
  EXPECT_EQ(held.get_text(0), "c");
  EXPECT_FALSE(held.step());
}

TEST(Database, MoreStatementsInUseThanTheCapacityAllWork) {
  Database db(":memory:", small_cache(2));
  std::vector<crmkit::db::Stmt> open;
  for (int n = 0; n < 5; ++n) {
    open.push_back(db.prepare(numbered(n)));
    ASSERT_TRUE(open.back().step());
  }
  // None could be evicted while in use.
  EXPECT_EQ(db.cached_statements(), 5u);
  for (int n = 0; n < 5; ++n) EXPECT_EQ(open[static_cast<std::size_t>(n)].get_int(0), n);
  open.clear();
  // The next miss shrinks the cache back to its capacity.
  run(db, numbered(5));
  EXPECT_EQ(db.cached_statements(), 2u);
  EXPECT_TRUE(db.is_cached(numbered(5)));
}

TEST(Database, AnEvictedStatementIsPreparedAgain) {
  Database db(":memory:", small_cache(2));
  db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0)");
  const std::string sql = "SELECT name FROM teams WHERE name = ?";
  {
    auto q = db.prepare(sql);
    q.bind(1, "a");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.get_text(0), "a");
  }
  run(db, numbered(1));
  run(db, numbered(2));
  ASSERT_FALSE(db.is_cached(sql));
  const auto compiled = db.statements_compiled();
  auto q = db.prepare(sql);
  EXPECT_EQ(db.statements_compiled(), compiled + 1);
  EXPECT_TRUE(db.is_cached(sql));
  q.bind(1, "a");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.get_text(0), "a");
  EXPECT_FALSE(q.step());
}

TEST(Database, ACacheOfZeroCachesNothingAndStillWorks) {
  Database db(":memory:", small_cache(0));
  db.exec("INSERT INTO teams(name, created_at) VALUES ('a', 0)");
  {
    Transaction tx(db);
    db.exec("INSERT INTO teams(name, created_at) VALUES ('b', 0)");
    tx.commit();
  }
  EXPECT_EQ(run(db, numbered(0)), 2);
  EXPECT_EQ(db.cached_statements(), 0u);
}

TEST(Database, TransactionsKeepWorkingUnderEvictionPressure) {
  // BEGIN / SAVEPOINT / COMMIT go through the cache too: a tiny cache evicts them constantly.
  Database db(":memory:", small_cache(1));
  for (int n = 0; n < 20; ++n) {
    Transaction outer(db);
    db.prepare("INSERT INTO teams(name, created_at) VALUES (?, 0)").bind_all("t" + std::to_string(n)).exec();
    {
      Transaction inner(db);
      db.prepare("INSERT INTO teams(name, created_at) VALUES (?, 0)").bind_all("u" + std::to_string(n)).exec();
      // inner rolls back
    }
    outer.commit();
  }
  EXPECT_EQ(count(db, "teams"), 20);
  EXPECT_LE(db.cached_statements(), 1u);
}

namespace {
struct CounterExtension {
  int value = 0;
};
struct OtherExtension {
  std::string name = "fresh";
};
}  // namespace

TEST(EngineExtensions, OneInstancePerTypeMadeOnFirstUse) {
  crmkit::Engine engine(":memory:", {});
  auto& a = engine.extension<CounterExtension>();
  EXPECT_EQ(a.value, 0);
  a.value = 7;
  EXPECT_EQ(&engine.extension<CounterExtension>(), &a);
  EXPECT_EQ(engine.extension<CounterExtension>().value, 7);
  EXPECT_EQ(engine.extension<OtherExtension>().name, "fresh");
  EXPECT_NE(static_cast<void*>(&engine.extension<OtherExtension>()), static_cast<void*>(&a));
  // A second engine has its own.
  crmkit::Engine other(":memory:", {});
  EXPECT_EQ(other.extension<CounterExtension>().value, 0);
}

TEST(EngineExtensions, ConcurrentFirstUseMakesOneInstance) {
  crmkit::Engine engine(":memory:", {});
  std::vector<CounterExtension*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = &engine.extension<CounterExtension>(); });
  }
  for (auto& t : threads) t.join();
  for (auto* p : seen) EXPECT_EQ(p, seen[0]);
}
