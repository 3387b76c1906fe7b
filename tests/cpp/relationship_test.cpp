// The customer relationship process through the C++ API: interactions, tasks, revisits, tickets,
// orders, the derived facts and the public pool.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"
#include "crmkit/relationship/audiences.hpp"

using namespace crmkit;
using namespace crmkit::relationship;
using customers::CustomerInput;

namespace {

constexpr std::int64_t kDay = kMillisPerDay;
const std::int64_t kT0 = parse_timestamp("2026-01-05T09:00:00Z", "t").ms;

struct Org {
  Crm crm = Crm::open(":memory:");
  org::Team east, west;
  org::User boss, alice, bob;
  Org() {
    crm.clock().freeze(kT0);
    east = crm.teams().add("华东销售部");
    west = crm.teams().add("西部");
    boss = crm.users().add({"zhang", "张总", "manager", east.id, std::nullopt, std::nullopt});
    alice = crm.users().add({"alice", "Alice", "sales", east.id, boss.id, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", west.id, std::nullopt, std::nullopt});
  }
  std::int64_t add(const std::string& name, std::optional<std::int64_t> owner, std::vector<std::string> tags = {}) {
    CustomerInput in;
    in.attrs["name"] = name;
    if (owner) in.attrs["owner"] = *owner;
    if (!tags.empty()) in.tags = tags;
    return crm.customers().add(in).id;
  }
  Interaction log(std::int64_t c, std::optional<std::int64_t> by, std::int64_t at, const std::string& kind = "call") {
    InteractionInput in;
    in.customer_id = c;
    in.kind = kind;
    in.by = by;
    in.at = Timestamp{at};
    in.summary = "确认需求";
    return crm.interactions().log(in);
  }
  Order order(std::int64_t c, double amount, std::int64_t at) {
    OrderInput in;
    in.customer_id = c;
    in.amount = amount;
    in.at = Timestamp{at};
    return crm.orders().add(in);
  }
  void advance_days(double d) { crm.clock().advance(static_cast<std::int64_t>(d * kDay)); }
  std::int64_t now() const { return crm.clock().now_ms(); }
};

template <typename F>
void expect_validation(F&& f, const std::string& field) {
  try {
    f();
    ADD_FAILURE() << "expected ValidationError on " << field;
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

std::int64_t history_rows(Crm& crm, std::int64_t customer) { return static_cast<std::int64_t>(crm.history("customer", customer).rows()); }

// Every customer_facts row, every column (NULL as nullopt), by customer.
std::vector<std::vector<std::optional<std::int64_t>>> facts_table(Crm& crm) {
  auto q = crm.database().prepare("SELECT * FROM customer_facts ORDER BY customer_id");
  std::vector<std::vector<std::optional<std::int64_t>>> out;
  while (q.step()) {
    out.emplace_back();
    for (int c = 0; c < q.column_count(); ++c) out.back().push_back(q.get_opt_int(c));
  }
  return out;
}

std::int64_t count_rows(Crm& crm, const std::string& sql) {
  auto q = crm.database().prepare(sql);
  EXPECT_TRUE(q.step());
  return q.get_int(0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Interactions

TEST(Interactions, LogUpdatesFactsAndListsNewestFirst) {
  Org o;
  auto c = o.add("上海某某科技有限公司", o.alice.id);
  auto first = o.log(c, o.alice.id, kT0 - 3 * kDay, "visit");
  auto second = o.log(c, o.alice.id, kT0 - kDay, "wechat");
  o.log(c, o.bob.id, kT0 - 2 * kDay, "email");
  auto f = o.crm.customers().get(c).facts;
  EXPECT_EQ(f.interaction_count, 3);
  ASSERT_TRUE(f.last_contact_at);
  EXPECT_EQ(f.last_contact_at->ms, kT0 - kDay);
  EXPECT_EQ(f.days_since_contact, 1);
  InteractionQuery q;
  q.customer_id = c;
  auto t = o.crm.interactions().list(q);
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.column("id").ints[0], second.id);
  EXPECT_EQ(t.column("id").ints[2], first.id);
  q.limit = 1;
  q.offset = 2;
  EXPECT_EQ(o.crm.interactions().list(q).column("id").ints.at(0), first.id);
  InteractionQuery by_bob;
  by_bob.by = o.bob.id;
  EXPECT_EQ(o.crm.interactions().list(by_bob).rows(), 1u);
  // days_since_contact follows the clock.
  o.advance_days(10);
  EXPECT_EQ(o.crm.customers().get(c).facts.days_since_contact, 11);
}

TEST(Interactions, NextFollowUpCreatesATaskForTheAuthor) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  InteractionInput in;
  in.customer_id = c;
  in.kind = "call";
  in.by = o.alice.id;
  in.summary = "报价已发送";
  in.next_follow_up = Timestamp{kT0 + 7 * kDay};
  auto i = o.crm.interactions().log(in);
  ASSERT_TRUE(i.follow_up_task_id);
  auto task = o.crm.tasks().get(*i.follow_up_task_id);
  EXPECT_EQ(task.assignee_id, o.alice.id);
  EXPECT_EQ(task.kind, "follow_up");
  EXPECT_EQ(task.interaction_id, i.id);
  EXPECT_EQ(task.due_at.ms, kT0 + 7 * kDay);
}

TEST(Interactions, BadInputChangesNothing) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  InteractionInput in;
  in.customer_id = c;
  in.kind = "fax";
  expect_validation([&] { o.crm.interactions().log(in); }, "kind");
  in.kind = "call";
  in.at = Timestamp{kT0 + 6 * 60 * 1000};
  expect_validation([&] { o.crm.interactions().log(in); }, "at");
  in.at = Timestamp{kT0 + 4 * 60 * 1000};  // within the tolerance
  in.next_follow_up = Timestamp{kT0 - kDay};
  expect_validation([&] { o.crm.interactions().log(in); }, "next_follow_up");
  EXPECT_EQ(o.crm.customers().get(c).facts.interaction_count, 0);
  EXPECT_EQ(o.crm.interactions().list({}).rows(), 0u);
  in.next_follow_up.reset();
  EXPECT_NO_THROW(o.crm.interactions().log(in));
}

TEST(Interactions, LogManyIsAllOrNothing) {
  Org o;
  auto a = o.add("A", o.alice.id), b = o.add("B", o.bob.id);
  std::vector<InteractionInput> rows(10);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].customer_id = i % 2 ? a : b;
    rows[i].kind = "call";
    rows[i].at = Timestamp{kT0 - static_cast<std::int64_t>(i) * kDay};
  }
  rows[7].kind = "telegram";
  try {
    o.crm.interactions().log_many(rows);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.row(), 7);
    EXPECT_EQ(e.field(), "kind");
  }
  EXPECT_EQ(o.crm.customers().get(a).facts.interaction_count, 0);
  rows[7].kind = "other";
  EXPECT_EQ(o.crm.interactions().log_many(rows).size(), 10u);
  EXPECT_EQ(o.crm.customers().get(a).facts.interaction_count, 5);
  EXPECT_EQ(o.crm.customers().get(a).facts.last_contact_at->ms, kT0 - kDay);
  EXPECT_EQ(o.crm.customers().get(b).facts.last_contact_at->ms, kT0);
}

TEST(Interactions, LogManyGivesTheFactsOfOneByOneCalls) {
  // Twin databases: one batch with many rows per customer against the same rows logged one by one.
  Org batch, single;
  std::vector<std::int64_t> cs;
  for (int i = 0; i < 12; ++i) {
    std::string name = "客户" + std::to_string(i);
    if (i % 3 == 0) {  // in the pool
      cs.push_back(batch.add(name, std::nullopt));
      ASSERT_EQ(single.add(name, std::nullopt), cs.back());
    } else {
      std::int64_t owner = i % 2 ? batch.alice.id : batch.bob.id;
      cs.push_back(batch.add(name, owner));
      ASSERT_EQ(single.add(name, owner), cs.back());
    }
  }
  // Earlier contacts, so that the batch's maxima meet existing values on both sides.
  for (std::size_t i = 0; i < cs.size(); i += 2) {
    batch.log(cs[i], batch.alice.id, kT0 - 50 * kDay);
    single.log(cs[i], single.alice.id, kT0 - 50 * kDay);
  }
  std::mt19937_64 rng(7);
  std::vector<InteractionInput> rows(400);
  for (auto& r : rows) {
    r.customer_id = cs[rng() % 5 == 0 ? rng() % cs.size() : rng() % 3];  // most rows on three customers
    r.kind = interaction_kinds()[rng() % interaction_kinds().size()];
    if (rng() % 4) r.by = rng() % 2 ? batch.alice.id : batch.bob.id;
    r.at = Timestamp{kT0 - static_cast<std::int64_t>(rng() % (100 * kDay))};
    r.summary = "第" + std::to_string(rng() % 100) + "次";
  }
  auto ids = batch.crm.interactions().log_many(rows);
  ASSERT_EQ(ids.size(), rows.size());
  for (const auto& r : rows) single.crm.interactions().log(r);
  EXPECT_EQ(facts_table(batch.crm), facts_table(single.crm));
  EXPECT_TRUE(batch.crm.facts().mismatches().empty());
  auto a = batch.crm.interactions().list({}), b = single.crm.interactions().list({});
  EXPECT_EQ(a.column("id").ints, b.column("id").ints);
  EXPECT_EQ(a.column("customer_id").ints, b.column("customer_id").ints);
  EXPECT_EQ(a.column("user_id").ints, b.column("user_id").ints);
  EXPECT_EQ(a.column("at").ints, b.column("at").ints);
  EXPECT_EQ(a.column("summary").texts, b.column("summary").texts);
  // The change feed has one event per interaction, each naming the customer whose facts changed.
  std::int64_t before = count_rows(single.crm, "SELECT coalesce(max(id), 0) FROM events");
  std::vector<InteractionInput> again(rows.begin(), rows.begin() + 50);
  single.crm.interactions().log_many(again);
  std::set<std::int64_t> touched;
  for (const auto& r : again) touched.insert(r.customer_id);
  EXPECT_EQ(count_rows(single.crm, "SELECT count(*) FROM events WHERE id > " + std::to_string(before) +
                                       " AND entity = 'interaction'"),
            static_cast<std::int64_t>(again.size()));
  EXPECT_EQ(count_rows(single.crm, "SELECT count(DISTINCT customer_id) FROM events WHERE id > " +
                                       std::to_string(before)),
            static_cast<std::int64_t>(touched.size()));
}

TEST(Interactions, LogManyCoversMoreCustomersThanOneFactsStatement) {
  Org o;
  std::vector<CustomerInput> people(10050);
  for (std::size_t i = 0; i < people.size(); ++i) {
    people[i].attrs["name"] = "客户" + std::to_string(i);
    people[i].attrs["owner"] = o.alice.id;
  }
  auto added = o.crm.customers().add_many(people);
  std::vector<InteractionInput> rows(people.size() + 500);
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> expect;  // count, latest
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].customer_id = added[i % added.size()];
    rows[i].kind = "call";
    rows[i].at = Timestamp{kT0 - static_cast<std::int64_t>(i % 977) * 60000};
    auto& e = expect[rows[i].customer_id];
    e.first += 1;
    e.second = std::max(e.second, rows[i].at->ms);
  }
  o.crm.interactions().log_many(rows);
  EXPECT_TRUE(o.crm.facts().mismatches().empty());
  for (auto id : {added.front(), added[499], added[500], added[10000], added.back()}) {
    auto f = o.crm.customers().get(id).facts;
    EXPECT_EQ(f.interaction_count, expect[id].first) << id;
    EXPECT_EQ(f.last_contact_at->ms, expect[id].second) << id;
  }
}

TEST(Interactions, LogManyRaisesTheErrorsOfLogAtTheirRow) {
  Org o;
  auto mine = o.add("mine", o.alice.id), theirs = o.add("theirs", o.bob.id);
  Crm alice = o.crm.as_user(o.alice.id);
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  std::vector<InteractionInput> rows(5);
  for (auto& r : rows) {
    r.customer_id = mine;
    r.kind = "call";
  }
  auto expect_at_row = [&](std::size_t row, const InteractionInput& bad) {
    auto batch_rows = rows;
    batch_rows[row] = bad;
    std::string single = message([&] { alice.interactions().log(bad); });
    EXPECT_EQ(message([&] { alice.interactions().log_many(batch_rows); }), "row " + std::to_string(row) + ": " + single);
  };
  InteractionInput bad = rows[0];
  bad.customer_id = theirs;  // outside alice's scope
  expect_at_row(3, bad);
  EXPECT_THROW(alice.interactions().log_many({rows[0], bad}), PermissionDenied);
  bad.customer_id = 999999;  // no such customer
  expect_at_row(2, bad);
  EXPECT_THROW(alice.interactions().log_many({bad}), NotFound);
  bad.customer_id = mine;
  bad.by = o.bob.id;  // acting as someone else
  expect_at_row(4, bad);
  bad.by = 999999;  // the admin view may name any user, but it must exist
  rows[1].by = o.boss.id;
  auto batch_rows = rows;
  batch_rows[4] = bad;
  EXPECT_EQ(message([&] { o.crm.interactions().log_many(batch_rows); }),
            "row 4: " + message([&] { o.crm.interactions().log(bad); }));
  EXPECT_EQ(o.crm.customers().get(mine).facts.interaction_count, 0);
  // The same customer on many rows, and the author remembered across rows, still pass.
  EXPECT_EQ(o.crm.interactions().log_many(rows).size(), rows.size());
  EXPECT_EQ(o.crm.customers().get(mine).facts.interaction_count, 5);
}

// ---------------------------------------------------------------------------------------------
// Tasks

TEST(Tasks, DueOverdueCompleteReassignCancel) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  TaskInput in;
  in.customer_id = c;
  in.title = "回访";
  in.due = Timestamp{kT0 + 2 * kDay};
  in.assignee = o.alice.id;
  auto t1 = o.crm.tasks().add(in);
  in.due = Timestamp{floor_to_day(kT0)};  // today, as a date
  in.all_day = true;
  auto t2 = o.crm.tasks().add(in);
  EXPECT_EQ(o.crm.tasks().due(o.alice.id, std::nullopt).rows(), 1u);  // due by the end of today
  EXPECT_EQ(o.crm.tasks().due(o.alice.id, Timestamp{kT0 + 3 * kDay}).rows(), 2u);
  EXPECT_EQ(o.crm.tasks().overdue(std::nullopt).rows(), 0u);
  o.advance_days(1);  // today's date task is now overdue; the other not yet
  auto over = o.crm.tasks().overdue(o.alice.id);
  ASSERT_EQ(over.rows(), 1u);
  EXPECT_EQ(over.column("id").ints[0], t2.id);
  o.advance_days(2);
  EXPECT_EQ(o.crm.tasks().overdue(std::nullopt).rows(), 2u);
  EXPECT_EQ(o.crm.tasks().overdue(o.bob.id).rows(), 0u);
  auto r = o.crm.tasks().reassign(t1.id, o.bob.id);
  EXPECT_EQ(r.assignee_id, o.bob.id);
  EXPECT_EQ(o.crm.tasks().overdue(o.bob.id).rows(), 1u);
  EXPECT_EQ(o.crm.tasks().complete(t1.id).status, "done");
  expect_validation([&] { o.crm.tasks().complete(t1.id); }, "status");
  EXPECT_EQ(o.crm.tasks().cancel(t2.id, std::string("客户已流失")).status, "cancelled");
  EXPECT_EQ(o.crm.tasks().overdue(std::nullopt).rows(), 0u);
  EXPECT_EQ(o.crm.history("task", t1.id).rows(), 2u);  // reassigned, completed
}

TEST(Tasks, DueBeforeCreationIsRefused) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  TaskInput in;
  in.customer_id = c;
  in.title = "回访";
  in.due = Timestamp{kT0 - 1};
  expect_validation([&] { o.crm.tasks().add(in); }, "due");
  in.due = Timestamp{floor_to_day(kT0) - kDay};
  in.all_day = true;
  expect_validation([&] { o.crm.tasks().add(in); }, "due");
  EXPECT_EQ(o.crm.tasks().list({}).rows(), 0u);
  in.due = Timestamp{floor_to_day(kT0)};  // today is fine
  EXPECT_NO_THROW(o.crm.tasks().add(in));
}

// ---------------------------------------------------------------------------------------------
// Tickets

TEST(Tickets, OpenNoteCloseReopenKeepFactsCurrent) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  auto t = o.crm.tickets().open(c, "安装问题", o.alice.id);
  auto t2 = o.crm.tickets().open(c, "发票问题");
  EXPECT_EQ(o.crm.customers().get(c).facts.open_tickets, 2);
  o.crm.tickets().note(t.id, "已上门", o.alice.id);
  EXPECT_EQ(o.crm.tickets().notes(t.id).rows(), 1u);
  expect_validation([&] { o.crm.tickets().close(t.id, 6); }, "satisfaction");
  expect_validation([&] { o.crm.tickets().close(t.id, 0); }, "satisfaction");
  EXPECT_EQ(o.crm.tickets().get(t.id).status, "open");
  o.crm.tickets().close(t.id, 4);
  o.crm.tickets().close(t2.id, 1);
  auto f = o.crm.customers().get(c).facts;
  EXPECT_EQ(f.open_tickets, 0);
  EXPECT_DOUBLE_EQ(*f.avg_satisfaction, 2.5);
  auto re = o.crm.tickets().reopen(t2.id, std::string("问题复发"));
  EXPECT_EQ(re.status, "open");
  EXPECT_FALSE(re.satisfaction);
  f = o.crm.customers().get(c).facts;
  EXPECT_EQ(f.open_tickets, 1);
  EXPECT_DOUBLE_EQ(*f.avg_satisfaction, 4.0);
  expect_validation([&] { o.crm.tickets().reopen(t2.id); }, "status");
  o.crm.tickets().close(t2.id, 5);
  EXPECT_DOUBLE_EQ(*o.crm.customers().get(c).facts.avg_satisfaction, 4.5);
}

// ---------------------------------------------------------------------------------------------
// Orders

TEST(Orders, ItemsRefundsAndFacts) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  OrderInput in;
  in.customer_id = c;
  in.amount = 12800.0;
  in.at = Timestamp{kT0 - 10 * kDay};
  in.items = {{"A1", 2, 6400.0}};
  auto ord = o.crm.orders().add(in);
  EXPECT_DOUBLE_EQ(ord.amount, 12800.0);
  ASSERT_EQ(ord.items.size(), 1u);
  auto refund = o.crm.orders().refund(ord.id, 6400.0);
  EXPECT_DOUBLE_EQ(refund.amount, -6400.0);
  EXPECT_EQ(refund.refund_of, ord.id);
  EXPECT_DOUBLE_EQ(o.crm.orders().get(ord.id).refunded, 6400.0);
  expect_validation([&] { o.crm.orders().refund(ord.id, 6400.01); }, "amount");
  o.order(c, 0.1, kT0 - 5 * kDay);
  o.order(c, 0.2, kT0 - 20 * kDay);
  auto f = o.crm.customers().get(c).facts;
  EXPECT_EQ(f.order_count, 3);
  EXPECT_DOUBLE_EQ(f.lifetime_value, 6400.3);
  EXPECT_EQ(f.first_order_at->ms, kT0 - 20 * kDay);
  EXPECT_EQ(f.last_order_at->ms, kT0 - 5 * kDay);
  // The rest of the original, then nothing remains.
  EXPECT_DOUBLE_EQ(o.crm.orders().refund(ord.id).amount, -6400.0);
  expect_validation([&] { o.crm.orders().refund(ord.id); }, "amount");
  expect_validation([&] { o.crm.orders().refund(refund.id, 1.0); }, "order");
  EXPECT_DOUBLE_EQ(o.crm.customers().get(c).facts.lifetime_value, 0.3);
  // Deleting the original takes its refunds with it.
  o.crm.orders().remove(ord.id);
  f = o.crm.customers().get(c).facts;
  EXPECT_EQ(f.order_count, 2);
  EXPECT_DOUBLE_EQ(f.lifetime_value, 0.3);
}

TEST(Orders, BadInputIsRefused) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  OrderInput in;
  in.customer_id = c;
  in.amount = -100.0;
  expect_validation([&] { o.crm.orders().add(in); }, "amount");
  in.amount = 100.0;
  in.items = {{"A1", 1, 99.0}};
  expect_validation([&] { o.crm.orders().add(in); }, "items");
  in.items = {{"A1", 0, 100.0}};
  expect_validation([&] { o.crm.orders().add(in); }, "items");
  in.items.clear();
  in.amount.reset();
  expect_validation([&] { o.crm.orders().add(in); }, "amount");
  EXPECT_EQ(o.crm.orders().list().rows(), 0u);
  EXPECT_EQ(o.crm.customers().get(c).facts.order_count, 0);
}

TEST(Orders, AddReturnsWhatGetReads) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  OrderInput in;
  in.customer_id = c;
  in.at = Timestamp{kT0 - kDay};
  in.items = {{"A1", 2, 19.99}, {"B2", 1, 0.5}};
  in.note = "  首单  ";
  auto same = [&](const Order& a, const Order& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.customer_id, b.customer_id);
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.at.ms, b.at.ms);
    EXPECT_EQ(a.refund_of, b.refund_of);
    EXPECT_EQ(a.note, b.note);
    EXPECT_EQ(a.refunded, b.refunded);
    EXPECT_EQ(a.created_by, b.created_by);
    EXPECT_EQ(a.created_at.ms, b.created_at.ms);
    ASSERT_EQ(a.items.size(), b.items.size());
    for (std::size_t k = 0; k < a.items.size(); ++k) {
      EXPECT_EQ(a.items[k].sku, b.items[k].sku);
      EXPECT_EQ(a.items[k].qty, b.items[k].qty);
      EXPECT_EQ(a.items[k].price, b.items[k].price);
    }
  };
  auto added = o.crm.orders().add(in);
  same(added, o.crm.orders().get(added.id));
  auto refund = o.crm.as_user(o.alice.id).orders().refund(added.id, 1.25, std::nullopt, "退一件");
  same(refund, o.crm.orders().get(refund.id));
  EXPECT_EQ(refund.created_by, o.alice.id);
  in.items.clear();
  in.amount = 7.0;
  in.note = std::nullopt;
  auto plain = o.crm.orders().add(in);
  same(plain, o.crm.orders().get(plain.id));
}

TEST(Orders, AddManyGivesTheFactsAndHistoryOfOneByOneCalls) {
  Org batch, single;
  std::vector<std::int64_t> cs;
  for (int i = 0; i < 8; ++i) {
    cs.push_back(batch.add("客户" + std::to_string(i), batch.alice.id));
    ASSERT_EQ(single.add("客户" + std::to_string(i), single.alice.id), cs.back());
  }
  // Existing orders on both sides, some of which the batch refunds.
  std::vector<std::int64_t> originals;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    originals.push_back(batch.order(cs[i], 1000.0 + static_cast<double>(i), kT0 - 30 * kDay).id);
    ASSERT_EQ(single.order(cs[i], 1000.0 + static_cast<double>(i), kT0 - 30 * kDay).id, originals.back());
  }
  std::mt19937_64 rng(11);
  std::vector<OrderInput> rows;
  std::map<std::int64_t, std::int64_t> id_of_row;  // rows of the batch that later rows refund
  for (int k = 0; k < 300; ++k) {
    OrderInput in;
    in.customer_id = cs[rng() % 4 ? rng() % 2 : rng() % cs.size()];  // most rows on two customers
    in.at = Timestamp{kT0 - static_cast<std::int64_t>(rng() % (60 * kDay))};
    if (k % 10 == 9) {  // a refund of an order that existed before the batch
      auto i = static_cast<std::size_t>(rng() % cs.size());
      in.customer_id = cs[i];
      in.refund_of = originals[i];
      in.amount = -1.0;
      in.note = "退款";
    } else if (k % 3 == 0) {
      in.items = {{"A1", static_cast<std::int64_t>(1 + rng() % 3), static_cast<double>(rng() % 10000) / 100.0 + 0.01}};
    } else {
      in.amount = static_cast<double>(1 + rng() % 100000) / 100.0;
    }
    rows.push_back(in);
  }
  auto ids = batch.crm.orders().add_many(rows);
  ASSERT_EQ(ids.size(), rows.size());
  std::vector<std::int64_t> single_ids;
  for (const auto& r : rows) single_ids.push_back(single.crm.orders().add(r).id);
  EXPECT_EQ(ids, single_ids);
  EXPECT_EQ(facts_table(batch.crm), facts_table(single.crm));
  EXPECT_TRUE(batch.crm.facts().mismatches().empty());
  for (auto original : originals) {
    auto a = batch.crm.history("order", original), b = single.crm.history("order", original);
    EXPECT_EQ(a.rows(), b.rows());
    EXPECT_EQ(batch.crm.orders().get(original).refunded, single.crm.orders().get(original).refunded);
  }
  // A refund beyond what remains fails at its row, after earlier rows of the batch used some up.
  std::vector<OrderInput> over(3);
  for (auto& r : over) {
    r.customer_id = cs[0];
    r.refund_of = originals[0];
    r.amount = -400.0;
  }
  double left = batch.crm.orders().get(originals[0]).amount - batch.crm.orders().get(originals[0]).refunded;
  ASSERT_GT(left, 800.0);
  ASSERT_LT(left, 1200.0);
  try {
    batch.crm.orders().add_many(over);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.field(), "amount");
  }
  EXPECT_EQ(facts_table(batch.crm), facts_table(single.crm));
  OrderInput elsewhere;
  elsewhere.customer_id = 999999;
  elsewhere.amount = 1.0;
  try {
    batch.crm.orders().add_many({rows[0], elsewhere});
    FAIL();
  } catch (const NotFound& e) {
    EXPECT_STREQ(e.what(), "row 1: customer 999999 does not exist");
  }
}

// ---------------------------------------------------------------------------------------------
// Facts: incremental maintenance agrees with a rebuild from scratch

TEST(Facts, RebuildAgreesWithIncrementalMaintenanceAfterRandomWrites) {
  Org o;
  std::mt19937_64 rng(20260105);
  std::vector<std::int64_t> cs;
  for (int i = 0; i < 40; ++i) cs.push_back(o.add("客户" + std::to_string(i), i % 3 ? o.alice.id : o.bob.id));
  std::vector<std::int64_t> interactions, orders, tickets_open, tickets_closed;
  auto pick = [&](auto& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; };
  for (int step = 0; step < 3000; ++step) {
    o.crm.clock().advance(std::uniform_int_distribution<std::int64_t>(0, kDay / 4)(rng));
    std::int64_t c = pick(cs);
    int op = std::uniform_int_distribution<int>(0, 11)(rng);
    std::int64_t past = o.now() - std::uniform_int_distribution<std::int64_t>(0, 400 * kDay)(rng);
    try {
      switch (op) {
        case 0: case 1: case 2:
          interactions.push_back(o.log(c, o.alice.id, past).id);
          break;
        case 3:
          if (!interactions.empty()) {
            auto id = pick(interactions);
            std::erase(interactions, id);
            o.crm.interactions().remove(id);
          }
          break;
        case 4: case 5:
          orders.push_back(o.order(c, std::uniform_int_distribution<int>(1, 500000)(rng) / 100.0, past).id);
          break;
        case 6:
          if (!orders.empty()) {
            auto id = pick(orders);
            auto left = o.crm.orders().get(id).amount - o.crm.orders().get(id).refunded;
            if (left > 0.01) o.crm.orders().refund(id, std::max(0.01, std::floor(left * 50) / 100.0));
          }
          break;
        case 7:
          if (!orders.empty()) {
            auto id = pick(orders);
            std::erase(orders, id);
            o.crm.orders().remove(id);
          }
          break;
        case 8:
          tickets_open.push_back(o.crm.tickets().open(c, "工单").id);
          break;
        case 9:
          if (!tickets_open.empty()) {
            auto id = pick(tickets_open);
            std::erase(tickets_open, id);
            int s = std::uniform_int_distribution<int>(0, 5)(rng);
            o.crm.tickets().close(id, s ? std::optional<std::int64_t>(s) : std::nullopt);
            tickets_closed.push_back(id);
          }
          break;
        case 10:
          if (!tickets_closed.empty()) {
            auto id = pick(tickets_closed);
            std::erase(tickets_closed, id);
            if (rng() % 2) {
              o.crm.tickets().reopen(id);
              tickets_open.push_back(id);
            } else {
              o.crm.tickets().remove(id);
            }
          }
          break;
        case 11:
          if (rng() % 10 == 0) {  // a failed write must change nothing
            OrderInput bad;
            bad.customer_id = c;
            bad.amount = -1.0;
            EXPECT_THROW(o.crm.orders().add(bad), ValidationError);
          }
          break;
      }
    } catch (const Error& e) {
      FAIL() << "step " << step << ": " << e.what();
    }
  }
  EXPECT_EQ(o.crm.facts().mismatches(), std::vector<std::int64_t>{});
  EXPECT_EQ(o.crm.facts().rebuild(), 0);
  // And rebuild repairs a damaged row.
  o.crm.database().exec("UPDATE customer_facts SET lifetime_value_cents = lifetime_value_cents + 1, "
                        "interaction_count = 0 WHERE customer_id = " + std::to_string(cs[3]));
  EXPECT_EQ(o.crm.facts().mismatches(), std::vector<std::int64_t>{cs[3]});
  EXPECT_EQ(o.crm.facts().rebuild(), 1);
  EXPECT_TRUE(o.crm.facts().mismatches().empty());
}

TEST(Facts, EveryCustomerHasARowIncludingBulkInserts) {
  Org o;
  std::vector<CustomerInput> rows(50);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].attrs["name"] = "客户" + std::to_string(i);
  o.crm.customers().add_many(rows);
  o.add("one", std::nullopt);
  auto q = o.crm.database().prepare("SELECT count(*) FROM customers c JOIN customer_facts f ON f.customer_id = c.id");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.get_int(0), 51);
  auto t = o.crm.customers().find({});
  EXPECT_EQ(t.column("interaction_count").ints.size(), 51u);
  EXPECT_EQ(t.column("days_since_contact").valid[0], 0);
}

// ---------------------------------------------------------------------------------------------
// The public pool

TEST(Pool, ReleaseClaimListAndHistory) {
  Org o;
  auto c = o.add("客户", o.alice.id);
  o.crm.pool().release(c, std::string("不再跟进"));
  EXPECT_FALSE(o.crm.customers().get(c).owner_id);
  EXPECT_THROW(o.crm.pool().release(c), Conflict);
  auto pool = o.crm.pool().list();
  ASSERT_EQ(pool.rows(), 1u);
  EXPECT_EQ(pool.column("last_owner_id").ints[0], o.alice.id);
  o.crm.pool().claim(c, o.bob.id);
  EXPECT_EQ(o.crm.customers().get(c).owner_id, o.bob.id);
  EXPECT_THROW(o.crm.pool().claim(c, o.alice.id), Conflict);
  auto h = o.crm.history("customer", c);
  const auto& fields = h.column("field").texts;
  const auto& reasons = h.column("reason").texts;
  std::vector<std::string> moves;
  for (std::size_t i = 0; i < h.rows(); ++i)
    if (fields[i] == "owner_id") moves.push_back(reasons[i]);
  EXPECT_EQ(moves, (std::vector<std::string>{"pool: released: 不再跟进", "pool: claimed"}));
}

TEST(Pool, CapQuotaAndCooldown) {
  Org o;
  o.crm.pool().set_rules({.max_held_per_user = 2, .max_claims_per_day = 3, .reclaim_cooldown_days = 7});
  EXPECT_EQ(o.crm.pool().rules().max_held_per_user, 2);
  EXPECT_EQ(o.crm.pool().rules().idle_days, 30);  // untouched
  std::vector<std::int64_t> cs;
  for (int i = 0; i < 6; ++i) cs.push_back(o.add("客户" + std::to_string(i), std::nullopt));
  o.crm.pool().claim(cs[0], o.alice.id);
  o.crm.pool().claim(cs[1], o.alice.id);
  expect_validation([&] { o.crm.pool().claim(cs[2], o.alice.id); }, "max_held_per_user");
  o.crm.pool().release(cs[0]);
  // Quota: three claims today (one was released, but it still counts).
  o.crm.pool().claim(cs[2], o.alice.id);
  o.crm.pool().release(cs[1]);
  expect_validation([&] { o.crm.pool().claim(cs[3], o.alice.id); }, "max_claims_per_day");
  EXPECT_FALSE(o.crm.customers().get(cs[3]).owner_id);
  o.advance_days(1);
  // Cool-down: alice released cs[0] yesterday and may not take it back for 7 days.
  expect_validation([&] { o.crm.pool().claim(cs[0], o.alice.id); }, "reclaim_cooldown_days");
  o.crm.pool().claim(cs[3], o.alice.id);
  o.advance_days(7);
  o.crm.pool().release(cs[3]);
  o.crm.pool().claim(cs[0], o.alice.id);
  EXPECT_EQ(o.crm.customers().get(cs[0]).owner_id, o.alice.id);
  expect_validation([&] { o.crm.pool().set_rules({.idle_days = -1}); }, "idle_days");
}

TEST(Pool, ReclaimIdleWarnsOnceThenReclaimsWithReasons) {
  Org o;
  o.crm.pool().set_rules({.idle_days = 30, .no_deal_days = 90, .warn_days = 3, .exempt_won = true});
  auto idle = o.add("idle", o.alice.id);      // created at T0, never contacted
  auto busy = o.add("busy", o.alice.id);
  auto buyer = o.add("buyer", o.bob.id);      // has an order: exempt
  auto nodeal = o.add("nodeal", o.bob.id);    // contacted, never ordered
  o.order(buyer, 100.0, kT0);
  o.advance_days(28);
  o.log(busy, o.alice.id, o.now());
  o.log(nodeal, o.bob.id, o.now());
  // Day 28: idle is due on day 30, within warn_days: one reminder, however often this runs.
  EXPECT_TRUE(o.crm.pool().reclaim_idle().empty());
  EXPECT_TRUE(o.crm.pool().reclaim_idle().empty());
  TaskQuery warn;
  warn.kind = "pool_warning";
  auto tasks = o.crm.tasks().list(warn);
  ASSERT_EQ(tasks.rows(), 1u);
  EXPECT_EQ(tasks.column("customer_id").ints[0], idle);
  EXPECT_EQ(tasks.column("assignee_id").ints[0], o.alice.id);
  // The preview says what would happen, writing nothing.
  auto before = history_rows(o.crm, idle);
  auto p = o.crm.pool().preview(Timestamp{kT0 + 31 * kDay});
  ASSERT_EQ(p.rows(), 1u);
  EXPECT_EQ(p.column("customer_id").ints[0], idle);
  EXPECT_EQ(p.column("reason").texts[0], "idle");
  EXPECT_EQ(o.crm.pool().preview(Timestamp{kT0 + 91 * kDay}).rows(), 3u);  // idle, busy (idle again), nodeal
  EXPECT_EQ(history_rows(o.crm, idle), before);
  o.advance_days(3);  // day 31
  EXPECT_EQ(o.crm.pool().reclaim_idle(), std::vector<std::int64_t>{idle});
  EXPECT_FALSE(o.crm.customers().get(idle).owner_id);
  EXPECT_EQ(o.crm.tasks().list(warn).column("status").texts[0], "cancelled");
  auto h = o.crm.history("customer", idle);
  EXPECT_EQ(h.column("field").texts.back(), "owner_id");
  EXPECT_EQ(h.column("old").texts.back(), std::to_string(o.alice.id));
  EXPECT_EQ(h.column("reason").texts.back(), "pool: no interaction for 30 days");
  EXPECT_TRUE(o.crm.pool().reclaim_idle().empty());
  // Contacted every 20 days but never buying: reclaimed 90 days after they were owned.
  for (int i = 0; i < 3; ++i) {
    o.advance_days(20);
    o.log(nodeal, o.bob.id, o.now());
    o.log(busy, o.alice.id, o.now());
  }
  o.advance_days(1);  // day 92
  auto back = o.crm.pool().reclaim_idle();  // busy never ordered either
  EXPECT_EQ(back, (std::vector<std::int64_t>{busy, nodeal}));
  for (auto c : back)
    EXPECT_EQ(o.crm.history("customer", c).column("reason").texts.back(), "pool: no order or won deal for 90 days");
  EXPECT_EQ(o.crm.customers().get(buyer).owner_id, o.bob.id);
  // A claim restarts the clock.
  o.crm.pool().claim(idle, o.bob.id);
  EXPECT_TRUE(o.crm.pool().reclaim_idle().empty());
}

TEST(Pool, RepsClaimFromThePoolButCannotTakeOthersCustomers) {
  Org o;
  auto pooled = o.add("公海客户", std::nullopt);
  auto bobs = o.add("bob's", o.bob.id);
  Crm alice = o.crm.as_user(o.alice.id);
  EXPECT_EQ(alice.pool().list().rows(), 1u);
  alice.pool().claim(pooled);
  EXPECT_EQ(o.crm.customers().get(pooled).owner_id, o.alice.id);
  EXPECT_THROW(alice.pool().claim(bobs), Conflict);
  EXPECT_THROW(alice.pool().release(bobs), PermissionDenied);
  EXPECT_THROW(alice.pool().claim(pooled, o.bob.id), PermissionDenied);
  EXPECT_THROW(alice.pool().reclaim_idle(), PermissionDenied);
  EXPECT_THROW(alice.pool().set_rules({.idle_days = 1}), PermissionDenied);
  EXPECT_EQ(o.crm.customers().get(bobs).owner_id, o.bob.id);
}

// ---------------------------------------------------------------------------------------------
// Scoped views

TEST(Scope, RepsSeeOnlyTheirCustomersRecords) {
  Org o;
  auto mine = o.add("mine", o.alice.id);
  auto theirs = o.add("theirs", o.bob.id);
  o.log(mine, o.alice.id, kT0);
  o.log(theirs, o.bob.id, kT0);
  o.order(mine, 10.0, kT0);
  o.order(theirs, 20.0, kT0);
  o.crm.tickets().open(theirs, "bob's ticket");
  TaskInput in;
  in.customer_id = theirs;
  in.title = "帮忙";
  in.due = Timestamp{kT0 + kDay};
  in.assignee = o.alice.id;  // assigned to alice on bob's customer: alice sees it
  o.crm.tasks().add(in);
  in.assignee = o.bob.id;
  o.crm.tasks().add(in);
  Crm alice = o.crm.as_user(o.alice.id);
  EXPECT_EQ(alice.interactions().list({}).rows(), 1u);
  EXPECT_EQ(alice.orders().list().rows(), 1u);
  EXPECT_EQ(alice.tickets().list().rows(), 0u);
  EXPECT_EQ(alice.tasks().list({}).rows(), 1u);
  InteractionInput log;
  log.customer_id = theirs;
  log.kind = "call";
  EXPECT_THROW(alice.interactions().log(log), PermissionDenied);
  EXPECT_THROW(alice.tickets().open(theirs, "x"), PermissionDenied);
  log.customer_id = mine;
  EXPECT_EQ(alice.interactions().log(log).user_id, o.alice.id);  // attributed to the acting user
  log.by = o.bob.id;
  EXPECT_THROW(alice.interactions().log(log), PermissionDenied);
  EXPECT_EQ(o.crm.customers().get(theirs).facts.interaction_count, 1);
}

// ---------------------------------------------------------------------------------------------
// Revisit plans

TEST(Revisits, RunCreatesEachDueTaskOnce) {
  Org o;
  auto vip1 = o.add("vip1", o.alice.id, {"VIP"});
  auto vip2 = o.add("vip2", o.bob.id, {"VIP"});
  auto vip_pool = o.add("vip3", std::nullopt, {"VIP"});
  o.add("plain", o.alice.id);
  o.log(vip2, o.bob.id, kT0 - 5 * kDay);  // contacted within the interval: not due
  RevisitPlanInput in{"vip_monthly", "tag", "VIP", 30, std::nullopt, std::nullopt};
  o.crm.revisits().plan(in);
  auto run = o.crm.revisits().run();
  ASSERT_EQ(run.task_ids.size(), 1u);
  EXPECT_EQ(run.skipped_without_assignee, 1);  // vip3 is in the pool
  auto task = o.crm.tasks().get(run.task_ids[0]);
  EXPECT_EQ(task.customer_id, vip1);
  EXPECT_EQ(task.assignee_id, o.alice.id);
  EXPECT_EQ(task.kind, "revisit");
  EXPECT_TRUE(o.crm.revisits().run().task_ids.empty());
  o.crm.tasks().complete(task.id);
  EXPECT_TRUE(o.crm.revisits().run().task_ids.empty());  // done within the interval
  o.advance_days(26);  // vip2's last contact is now 31 days ago
  auto again = o.crm.revisits().run();
  ASSERT_EQ(again.task_ids.size(), 1u);
  EXPECT_EQ(o.crm.tasks().get(again.task_ids[0]).customer_id, vip2);
  o.advance_days(5);  // 31 days after vip1's task: due again
  auto third = o.crm.revisits().run();
  ASSERT_EQ(third.task_ids.size(), 1u);
  EXPECT_EQ(o.crm.tasks().get(third.task_ids[0]).customer_id, vip1);
  (void)vip_pool;
}

TEST(Revisits, GroupsUsersAndSegments) {
  Org o;
  auto a = o.add("a", o.alice.id);
  auto b = o.add("b", o.bob.id);
  o.crm.database().exec("INSERT INTO groups(name, created_at) VALUES ('展会名单', 0)");
  o.crm.database().exec("INSERT INTO group_members(group_id, customer_id, added_at) SELECT id, " + std::to_string(a) +
                        ", 0 FROM groups");
  EXPECT_THROW(o.crm.revisits().plan({"g", "group", "nope", 30, std::nullopt, std::nullopt}), NotFound);
  o.crm.revisits().plan({"g", "group", "展会名单", 30, o.boss.id, std::string("展会回访")});
  auto run = o.crm.revisits().run();
  ASSERT_EQ(run.task_ids.size(), 1u);
  auto t = o.crm.tasks().get(run.task_ids[0]);
  EXPECT_EQ(t.assignee_id, o.boss.id);
  EXPECT_EQ(t.title, "展会回访");
  auto& audiences = o.crm.context().live().extension<relationship::Audiences>();
  const auto installed = audiences.segment_members;  // the segments domain's
  audiences.segment_members = nullptr;
  expect_validation([&] { o.crm.revisits().plan({"s", "segment", "vip", 30, std::nullopt, std::nullopt}); }, "segment");
  expect_validation([&] { o.crm.revisits().plan({"z", "tag", "VIP", 0, std::nullopt, std::nullopt}); }, "every_days");
  audiences.segment_members = [&](const Context&, const std::string& name) {
    if (name != "vip") throw NotFound("segment '" + name + "' does not exist");
    return std::vector<std::int64_t>{b};
  };
  EXPECT_THROW(o.crm.revisits().plan({"s", "segment", "other", 30, std::nullopt, std::nullopt}), NotFound);
  o.crm.revisits().plan({"s", "segment", "vip", 30, std::nullopt, std::nullopt});
  auto seg = o.crm.revisits().run(std::string("s"));
  ASSERT_EQ(seg.task_ids.size(), 1u);
  EXPECT_EQ(o.crm.tasks().get(seg.task_ids[0]).assignee_id, o.bob.id);
  EXPECT_EQ(o.crm.revisits().list().rows(), 2u);
  audiences.segment_members = installed;
}
