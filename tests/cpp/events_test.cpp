// The change feed: events per committed transaction, savepoints, paging, retention, scoping, and
// the segment store's refresh from another connection's writes.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include <unistd.h>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

using namespace crmkit;
using customers::CustomerInput;

namespace {

std::string temp_path() {
  static int n = 0;
  return "/tmp/crmkit_events_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".db";
}

struct TempFile {
  std::string path = temp_path();
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
};

struct Org {
  Crm crm;
  org::User alice, bob;
  explicit Org(const std::string& path = ":memory:") : crm(Crm::open(path)) {
    auto east = crm.teams().add("华东");
    alice = crm.users().add({"alice", "Alice", "sales", east.id, std::nullopt, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", std::nullopt, std::nullopt, std::nullopt});
  }
  std::int64_t add(const std::string& name, std::optional<std::int64_t> owner = std::nullopt) {
    CustomerInput in;
    in.attrs["name"] = name;
    if (owner) in.attrs["owner"] = *owner;
    return crm.customers().add(in).id;
  }
};

struct Row {
  std::int64_t id;
  std::string kind, entity;
  std::int64_t entity_id;
  std::string payload;
};

std::vector<Row> rows_of(const Table& t) {
  std::vector<Row> out;
  for (std::size_t r = 0; r < t.rows(); ++r)
    out.push_back({t.column("id").ints[r], t.column("kind").texts[r], t.column("entity").texts[r],
                   t.column("entity_id").ints[r], t.column("payload").texts[r]});
  return out;
}

std::vector<Row> all_events(const Crm& crm, std::int64_t cursor = 0) {
  std::vector<Row> out;
  for (;;) {
    auto page = rows_of(crm.events().since(cursor, 7));
    if (page.empty()) return out;
    cursor = page.back().id;
    out.insert(out.end(), page.begin(), page.end());
  }
}

}  // namespace

TEST(Events, OneEventPerChangedEntityInCommitOrderWithFieldNames) {
  Org o;
  const auto start = o.crm.events().latest();
  auto a = o.add("甲公司", o.alice.id);
  CustomerInput change;
  change.attrs["industry"] = "制造";
  o.crm.customers().update(a, change);
  o.crm.customers().tag(a, "VIP");
  auto ev = all_events(o.crm, start);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, "created");
  EXPECT_EQ(ev[0].entity, "customer");
  EXPECT_EQ(ev[0].entity_id, a);
  EXPECT_EQ(ev[0].payload, R"({"fields":["kind","name","owner_id","stage"]})");
  EXPECT_EQ(ev[1].kind, "updated");
  EXPECT_EQ(ev[1].payload, R"({"fields":["industry"]})");
  EXPECT_EQ(ev[2].payload, R"({"fields":["tags"]})");
  EXPECT_LT(ev[0].id, ev[1].id);
  EXPECT_LT(ev[1].id, ev[2].id);
  // No personal data: the name itself never appears.
  for (const auto& e : ev) EXPECT_EQ(e.payload.find("甲公司"), std::string::npos);
}

TEST(Events, ATransactionCoalescesPerEntityAndARollbackLeavesNothing) {
  Org o;
  auto a = o.add("甲");
  const auto start = o.crm.events().latest();
  {
    db::Transaction tx(o.crm.database());
    CustomerInput c1;
    c1.attrs["industry"] = "制造";
    o.crm.customers().update(a, c1);
    CustomerInput c2;
    c2.attrs["source"] = "展会";
    o.crm.customers().update(a, c2);
    tx.commit();
  }
  auto ev = all_events(o.crm, start);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, R"({"fields":["industry","source"]})");

  const auto before = o.crm.events().latest();
  {
    db::Transaction tx(o.crm.database());
    o.add("乙");
    o.crm.customers().tag(a, "x");
    // no commit: rolled back
  }
  EXPECT_EQ(o.crm.database().feed().pending(), 0u);
  EXPECT_TRUE(all_events(o.crm, before).empty());
  EXPECT_EQ(o.crm.events().latest(), before);
}

TEST(Events, ASavepointRolledBackDiscardsOnlyItsOwnEvents) {
  Org o;
  const auto start = o.crm.events().latest();
  std::int64_t kept = 0;
  {
    db::Transaction outer(o.crm.database());
    kept = o.add("留下");
    {
      db::Transaction inner(o.crm.database());
      o.add("撤销");
      // inner rolls back
    }
    {
      db::Transaction inner(o.crm.database());
      o.crm.customers().tag(kept, "VIP");
      inner.commit();
    }
    outer.commit();
  }
  auto ev = all_events(o.crm, start);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].entity_id, kept);
  EXPECT_EQ(ev[0].kind, "created");
  EXPECT_EQ(ev[0].payload, R"({"fields":["kind","name","stage","tags"]})");
  // A failed call (a ValidationError inside add_many) leaves no events either.
  std::vector<CustomerInput> rows(3);
  rows[0].attrs["name"] = "a";
  rows[1].attrs["name"] = "b";
  rows[2].attrs["name"] = " ";
  EXPECT_THROW(o.crm.customers().add_many(rows), ValidationError);
  EXPECT_EQ(all_events(o.crm, start).size(), 1u);
}

TEST(Events, PagingByCursorSeesEveryEventOnce) {
  Org o;
  std::vector<CustomerInput> rows(250);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].attrs["name"] = "客户" + std::to_string(i);
  auto ids = o.crm.customers().add_many(rows);
  for (std::size_t i = 0; i < 40; ++i) o.crm.customers().set_stage(ids[i * 3], "active");
  auto ev = all_events(o.crm);
  ASSERT_EQ(ev.size(), 290u);
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    EXPECT_TRUE(seen.insert(ev[i].id).second);
    if (i) {
      EXPECT_EQ(ev[i].id, ev[i - 1].id + 1);
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ev[i].entity_id, ids[i]);
  EXPECT_EQ(ev.back().payload, R"({"fields":["stage"]})");
}

TEST(Events, RelationshipAndPipelineWritesNameTheirEntityAndCustomer) {
  Org o;
  auto a = o.add("甲", o.alice.id);
  const auto start = o.crm.events().latest();
  relationship::InteractionInput i;
  i.customer_id = a;
  i.kind = "call";
  o.crm.interactions().log(i);
  relationship::OrderInput order;
  order.customer_id = a;
  order.amount = 100.0;
  o.crm.orders().add(order);
  auto t = o.crm.tickets().open(a, "安装问题", std::nullopt, std::nullopt);
  o.crm.tickets().close(t.id, 4, std::nullopt);
  o.crm.pool().release(a, std::nullopt);
  auto table = o.crm.events().since(start, 100);
  std::vector<std::string> entities(table.column("entity").texts);
  EXPECT_EQ(entities, (std::vector<std::string>{"interaction", "order", "ticket", "ticket", "customer"}));
  for (std::size_t r = 0; r < table.rows(); ++r) EXPECT_EQ(table.column("customer_id").ints[r], a);
  EXPECT_EQ(table.column("payload").texts.back(), R"({"fields":["owner_id"]})");
}

TEST(Events, BadArgumentsNameTheArgument) {
  Org o;
  o.add("甲");
  auto expect_field = [&](std::int64_t cursor, std::int64_t limit, const char* field) {
    try {
      o.crm.events().since(cursor, limit);
      FAIL() << "expected ValidationError for " << field;
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), field);
    }
  };
  expect_field(-1, 10, "cursor");
  expect_field(0, 0, "limit");
  expect_field(0, events::kMaxLimit + 1, "limit");
  expect_field(o.crm.events().latest() + 1, 10, "cursor");
}

TEST(Events, ACursorOlderThanRetainedIsAConflict) {
  Org o;
  o.crm.database().feed().set_keep(5);
  for (int i = 0; i < 30; ++i) o.add("客户" + std::to_string(i));
  EXPECT_LE(o.crm.events().latest() - o.crm.events().oldest() + 1, 5);
  EXPECT_THROW(o.crm.events().since(0, 10), Conflict);
  // From the oldest retained position on, nothing is missing.
  auto ev = all_events(o.crm, o.crm.events().oldest() - 1);
  EXPECT_EQ(static_cast<std::int64_t>(ev.size()), o.crm.events().latest() - o.crm.events().oldest() + 1);
}

TEST(Events, ScopedViewsSeeOnlyTheirEntities) {
  Org o;
  auto mine = o.add("Alice的", o.alice.id);
  auto theirs = o.add("Bob的", o.bob.id);
  auto alice = o.crm.as_user(o.alice.id);
  auto ev = all_events(alice);
  std::set<std::int64_t> ids;
  for (const auto& e : ev) ids.insert(e.entity_id);
  EXPECT_TRUE(ids.count(mine));
  EXPECT_FALSE(ids.count(theirs));
  EXPECT_EQ(all_events(o.crm).size(), 2u);
}

TEST(Events, AnotherConnectionsWritesReachTheSegmentStore) {
  TempFile file;
  Org first(file.path);
  first.add("甲", first.alice.id);
  first.crm.segments().define("vip", "has_tag(\"VIP\")");
  EXPECT_EQ(first.crm.segments().count("vip"), 0);
  auto second = Crm::open(file.path);
  CustomerInput in;
  in.attrs["name"] = "乙";
  in.tags = std::vector<std::string>{"VIP"};
  auto b = second.customers().add(in).id;
  EXPECT_EQ(first.crm.segments().count("vip"), 1);
  second.customers().untag(b, "VIP");
  EXPECT_EQ(first.crm.segments().count("vip"), 0);
  second.customers().remove(b);
  EXPECT_EQ(first.crm.segments().count("vip", segments::Evaluator::Columns),
            first.crm.segments().count("vip", segments::Evaluator::Sql));
}

TEST(Events, MigrationSixTurnsTheOldChangeLogIntoEvents) {
  TempFile file;
  {
    // A file as schema 5 left it: the change-log table (trimmed: positions start at 41), a
    // trigger, no events table, and none of version 7's approval columns.
    db::Database db(file.path);
    db.exec("ALTER TABLE approval_assignees DROP COLUMN escalated; ALTER TABLE customers DROP COLUMN locked_step;"
            "ALTER TABLE customers DROP COLUMN locked_by_request;"
            "DROP TABLE customer_keys; DROP TABLE customer_keys_backfill; DROP INDEX leads_phone;"
            "DROP INDEX leads_email;");
    db.exec("DROP TABLE events; DELETE FROM sqlite_sequence WHERE name = 'events';"
            "CREATE TABLE segment_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL);"
            "INSERT INTO segment_changes(seq, customer_id) VALUES (41, 7), (42, 9);"
            "UPDATE sqlite_sequence SET seq = 50 WHERE name = 'segment_changes';"
            "CREATE TRIGGER segment_changes_customers_ins AFTER INSERT ON customers BEGIN "
            "INSERT INTO segment_changes(customer_id) VALUES (NEW.id); END;");
    for (const char* t : {"customers_upd", "customers_del", "facts_ins", "facts_upd", "facts_del", "tags_ins",
                          "tags_upd", "tags_del", "members_ins", "members_upd", "members_del", "groups_upd"})
      db.exec(std::string("CREATE TRIGGER segment_changes_") + t +
              " AFTER DELETE ON roles BEGIN SELECT 1; END;");
    db.exec("PRAGMA user_version = 5");
  }
  auto crm = Crm::open(file.path);
  EXPECT_EQ(crm.database().schema_version(), db::Database::latest_schema_version());
  auto old = rows_of(crm.events().since(40, 10));
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(old[0].id, 41);
  EXPECT_EQ(old[1].entity_id, 9);
  EXPECT_EQ(old[0].kind, "updated");
  EXPECT_EQ(crm.events().latest(), 50);
  CustomerInput in;
  in.attrs["name"] = "新";
  crm.customers().add(in);
  // Positions keep increasing past the old log's, and the trigger is gone (one event, no log row).
  auto fresh = rows_of(crm.events().since(50, 10));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].id, 51);
  auto q = crm.database().prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'segment_changes%'");
  q.step();
  EXPECT_EQ(q.get_int(0), 0);
}

TEST(Events, ABadRowInALaterBlockOfAddManyWritesNothing) {
  Org o;
  const auto start = o.crm.events().latest();
  std::vector<CustomerInput> rows(70000);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].attrs["name"] = "客户" + std::to_string(i);
    rows[i].tags = std::vector<std::string>{"VIP"};
  }
  rows[69000].attrs["kind"] = "robot";  // blocks are 65,536 rows: the first block is already written
  try {
    o.crm.customers().add_many(rows);
    FAIL() << "expected ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.row(), 69000);
    EXPECT_EQ(e.field(), "kind");
  }
  EXPECT_EQ(o.crm.customers().count({}), 0);
  EXPECT_EQ(o.crm.events().latest(), start);
  auto q = o.crm.database().prepare("SELECT (SELECT count(*) FROM customer_tags) + (SELECT count(*) FROM customer_facts)");
  q.step();
  EXPECT_EQ(q.get_int(0), 0);
  rows[69000].attrs.erase("kind");
  auto ids = o.crm.customers().add_many(rows);
  ASSERT_EQ(ids.size(), rows.size());
  for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_EQ(ids[i], ids[i - 1] + 1);
  EXPECT_EQ(o.crm.events().latest() - start, static_cast<std::int64_t>(rows.size()));
  EXPECT_EQ(o.crm.customers().count({}), static_cast<std::int64_t>(rows.size()));
}
