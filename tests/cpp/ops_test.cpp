// Operations: the online backup (a consistent, verified copy while another connection writes) and
// the health check (each kind of problem it must find, and a clean database passing).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"
#include "crmkit/ops/ops.hpp"

using namespace crmkit;

namespace {

std::string temp_path(const char* what) {
  static int n = 0;
  return "/tmp/crmkit_ops_test_" + std::to_string(::getpid()) + "_" + what + std::to_string(++n) + ".db";
}

struct TempFile {
  std::string path;
  explicit TempFile(const char* what = "db") : path(temp_path(what)) {}
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
  }
};

std::int64_t add_customer(const Crm& crm, const std::string& name) {
  customers::CustomerInput in;
  in.attrs["name"] = name;
  return crm.customers().add(in).id;
}

std::int64_t count(const Crm& crm, const std::string& sql) {
  db::Transaction tx(crm.database(), false);
  auto q = crm.database().prepare(sql);
  q.step();
  return q.get_int(0);
}

bool has_problem(const ops::CheckResult& r, const std::string& check) {
  for (const auto& p : r.problems)
    if (p.check == check) return true;
  return false;
}

}  // namespace

TEST(Backup, CopiesCommittedDataIntoOneVerifiedFile) {
  TempFile src, dst("copy");
  auto crm = Crm::open(src.path);
  add_customer(crm, "上海某某科技有限公司");
  add_customer(crm, "北京😀贸易");
  auto r = ops::Operations(crm.context()).backup(dst.path);
  EXPECT_EQ(r.path, dst.path);
  EXPECT_GT(r.pages, 0);
  EXPECT_EQ(r.bytes, static_cast<std::int64_t>(std::filesystem::file_size(dst.path)));
  EXPECT_EQ(r.schema_version, db::Database::latest_schema_version());
  // A single file: the copy uses a rollback journal, so no -wal file is needed beside it.
  EXPECT_FALSE(std::filesystem::exists(dst.path + "-wal"));
  auto copy = Crm::open(dst.path);
  EXPECT_EQ(count(copy, "SELECT count(*) FROM customers"), 2);
  EXPECT_TRUE(ops::Operations(copy.context()).check().ok);
}

TEST(Backup, OfAnInMemoryDatabase) {
  TempFile dst("copy");
  auto crm = Crm::open(":memory:");
  add_customer(crm, "内存客户");
  ops::Operations(crm.context()).backup(dst.path);
  EXPECT_EQ(count(Crm::open(dst.path), "SELECT count(*) FROM customers"), 1);
}

TEST(Backup, RefusesBadTargetsAndChangesNothing) {
  TempFile src, dst("copy");
  auto crm = Crm::open(src.path);
  try {
    ops::Operations(crm.context()).backup("/tmp/crmkit-no-such-dir-" + std::to_string(::getpid()) + "/copy.db");
    FAIL() << "a missing directory was accepted";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "path");
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos);
  }
  { std::ofstream(dst.path) << "precious"; }
  EXPECT_THROW(ops::Operations(crm.context()).backup(dst.path), ValidationError);
  std::ifstream in(dst.path);
  std::string kept;
  in >> kept;
  EXPECT_EQ(kept, "precious");  // never overwritten
  EXPECT_THROW(ops::Operations(crm.context()).backup(src.path), ValidationError);
}

TEST(Backup, RefusedInsideATransactionAndForNonAdmins) {
  TempFile src, dst("copy");
  auto crm = Crm::open(src.path);
  auto east = crm.teams().add("华东");
  auto alice = crm.users().add({"alice", "Alice", "sales", east.id, std::nullopt, std::nullopt});
  {
    db::Transaction tx(crm.database());
    add_customer(crm, "未提交");
    EXPECT_THROW(ops::Operations(crm.context()).backup(dst.path), StorageError);
  }
  EXPECT_FALSE(std::filesystem::exists(dst.path));
  EXPECT_THROW(ops::Operations(crm.as_user(alice.id).context()).backup(dst.path), PermissionDenied);
  EXPECT_THROW(ops::Operations(crm.as_user(alice.id).context()).check(), PermissionDenied);
}

// Another connection commits customers one by one while the backup runs: the copy is one commit
// point, holding at least everything committed before the backup began and passing every check.
TEST(Backup, WhileAnotherConnectionWrites) {
  TempFile src, dst("copy");
  auto crm = Crm::open(src.path);
  for (int i = 0; i < 2000; ++i) add_customer(crm, "客户" + std::to_string(i));
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto other = Crm::open(src.path);
    while (!stop) {
      add_customer(other, "并发" + std::to_string(written.load()));
      ++written;
    }
  });
  while (written < 20) std::this_thread::yield();
  const std::int64_t before = count(crm, "SELECT count(*) FROM customers");
  ops::Operations(crm.context()).backup(dst.path);
  stop = true;
  writer.join();
  auto copy = Crm::open(dst.path);
  EXPECT_GE(count(copy, "SELECT count(*) FROM customers"), before);
  EXPECT_LE(count(copy, "SELECT count(*) FROM customers"), 2000 + written.load());
  auto health = ops::Operations(copy.context()).check();
  EXPECT_TRUE(health.ok) << (health.problems.empty() ? "" : health.problems[0].message);
}

TEST(Check, CleanDatabasePasses) {
  auto crm = Crm::open(":memory:");
  add_customer(crm, "客户");
  auto r = ops::Operations(crm.context()).check();
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.customers, 1);
  EXPECT_EQ(r.schema_version, db::Database::latest_schema_version());
  EXPECT_EQ(r.checks.size(), 6u);
  EXPECT_GE(r.events, 1);
}

TEST(Check, FindsFactsThatDisagreeWithARebuild) {
  auto crm = Crm::open(":memory:");
  auto id = add_customer(crm, "客户");
  crm.database().exec("UPDATE customer_facts SET order_count = 7 WHERE customer_id = " + std::to_string(id));
  auto r = ops::Operations(crm.context()).check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(has_problem(r, "facts"));
  EXPECT_NE(r.problems[0].message.find(std::to_string(id)), std::string::npos);
  crm.facts().rebuild();
  EXPECT_TRUE(ops::Operations(crm.context()).check().ok);
}

TEST(Check, FindsAGapInTheChangeFeed) {
  auto crm = Crm::open(":memory:");
  for (int i = 0; i < 3; ++i) add_customer(crm, "客户" + std::to_string(i));
  crm.database().exec("DELETE FROM events WHERE id = (SELECT min(id) + 1 FROM events)");
  auto r = ops::Operations(crm.context()).check();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(has_problem(r, "events"));
}

TEST(Check, FindsABrokenLedgerAndAForeignSchema) {
  auto crm = Crm::open(":memory:");
  crm.database().exec(
      "INSERT INTO approval_ledger(at, kind, prev_hash, hash) VALUES (0, 'submitted', 'x', 'not-a-hash')");
  auto r = ops::Operations(crm.context()).check();
  EXPECT_TRUE(has_problem(r, "ledger"));
  crm.database().exec("PRAGMA application_id = 7");
  EXPECT_TRUE(has_problem(ops::Operations(crm.context()).check(), "schema"));
}
