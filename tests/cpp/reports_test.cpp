// Reports through the C++ API: hand-built pipelines, leads and approval steps written straight
// into the tables (exact timestamps), checked against answers worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

using namespace crmkit;
using reports::ReportFilter;

namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kHour = kMillisPerHour;
const std::int64_t kNow = parse_timestamp("2026-07-01T00:00:00Z", "t").ms;
const std::int64_t kT0 = parse_timestamp("2026-01-01T00:00:00Z", "t").ms;

struct World {
  Crm crm = Crm::open(":memory:");
  org::User alice, bob;
  std::int64_t customer = 0;
  World() {
    crm.clock().freeze(kNow);
    auto team = crm.teams().add("华东销售部");
    alice = crm.users().add({"alice", "Alice", "sales", team.id, std::nullopt, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", std::nullopt, std::nullopt, std::nullopt});
    customers::CustomerInput in;
    in.attrs["name"] = std::string("客户");
    customer = crm.customers().add(in).id;
  }
  void exec(const std::string& sql) {
    db::Transaction tx(crm.database());
    crm.database().exec(sql);
    tx.commit();
  }
  // path: stage names with their entry times; the last is the current stage.
  std::int64_t opportunity(std::int64_t owner, std::int64_t cents, const std::string& status,
                           const std::vector<std::pair<std::string, std::int64_t>>& path) {
    db::Transaction tx(crm.database());
    auto& d = crm.database();
    std::optional<std::int64_t> closed;
    if (status != "open") closed = path.back().second;
    d.prepare("INSERT INTO opportunities(customer_id, title, amount_cents, owner_id, stage, status, created_at, "
              "updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?)")
        .bind_all(customer, "商机", cents, owner, path.back().first, status, path.front().second, path.back().second,
                  closed)
        .exec();
    auto id = d.last_insert_id();
    std::optional<std::string> prev;
    for (const auto& [stage, at] : path) {
      d.prepare("INSERT INTO opportunity_stage_history(customer_id, opportunity_id, from_stage, to_stage, at) "
                "VALUES (?,?,?,?,?)")
          .bind_all(customer, id, prev, stage, at)
          .exec();
      prev = stage;
    }
    tx.commit();
    return id;
  }
  const Column& col(const Table& t, const std::string& name) { return t.column(name); }
};

TEST(Reports, FunnelCountsWeightsAndConversion) {
  World w;
  auto a = w.alice.id, b = w.bob.id;
  w.opportunity(a, 100000, "open", {{"初步接洽", kT0}, {"需求确认", kT0 + kDay}, {"方案报价", kT0 + 2 * kDay}});
  w.opportunity(b, 50000, "open", {{"初步接洽", kT0}, {"方案报价", kT0 + kDay}});
  w.opportunity(a, 80000, "won", {{"初步接洽", kT0}, {"商务谈判", kT0 + kDay}, {"赢单", kT0 + 3 * kDay}});
  w.opportunity(b, 30000, "lost", {{"初步接洽", kT0}, {"输单", kT0 + kDay}});
  auto t = w.crm.reports().funnel();
  ASSERT_EQ(t.rows(), 6u);
  const auto& count = t.column("count");
  const auto& reached = t.column("reached");
  const auto& conv = t.column("conversion_to_next");
  const auto& weighted = t.column("weighted_amount");
  EXPECT_EQ(count.ints[2], 2);
  EXPECT_DOUBLE_EQ(weighted.floats[2], 1000 * 0.5 + 500 * 0.5);
  // highest ranks reached: 2, 2, 4, 0 -> reached [4, 3, 3, 1, 1]
  std::vector<std::int64_t> want{4, 3, 3, 1, 1, 1};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(reached.ints[i], want[i]) << i;
  EXPECT_DOUBLE_EQ(conv.floats[0], 0.75);
  EXPECT_DOUBLE_EQ(conv.floats[2], 1.0 / 3.0);
  EXPECT_EQ(conv.valid[4], 0);
  EXPECT_EQ(conv.valid[5], 0);

  ReportFilter only_bob;
  only_bob.owner = b;
  EXPECT_EQ(w.crm.reports().funnel(only_bob).column("count").ints[2], 1);
  EXPECT_EQ(w.crm.as_user(b).reports().funnel().column("reached").ints[0], 2);
}

TEST(Reports, VelocityAndWinRate) {
  World w;
  auto a = w.alice.id;
  w.opportunity(a, 100000, "won", {{"初步接洽", kT0}, {"赢单", kT0 + 10 * kDay}});
  w.opportunity(a, 300000, "won", {{"初步接洽", kT0}, {"赢单", kT0 + 30 * kDay}});
  w.opportunity(a, 1, "lost", {{"初步接洽", kT0}, {"输单", kT0 + kDay}});
  w.opportunity(a, 1, "lost", {{"初步接洽", kT0}, {"输单", kT0 + kDay}});
  w.opportunity(a, 1, "open", {{"初步接洽", kT0}});
  w.opportunity(a, 1, "open", {{"初步接洽", kT0}});
  auto v = w.crm.reports().velocity();
  EXPECT_EQ(v.column("open_opportunities").ints[0], 2);
  EXPECT_DOUBLE_EQ(v.column("win_rate").floats[0], 0.5);
  EXPECT_DOUBLE_EQ(v.column("avg_won_amount").floats[0], 2000.0);
  EXPECT_DOUBLE_EQ(v.column("avg_cycle_days").floats[0], 20.0);
  EXPECT_DOUBLE_EQ(v.column("velocity").floats[0], 100.0);
  auto r = w.crm.reports().win_rate("team");
  ASSERT_EQ(r.rows(), 1u);
  EXPECT_EQ(r.column("team").texts[0], "华东销售部");
  EXPECT_EQ(r.column("closed").ints[0], 4);
}

TEST(Reports, StageDurationsUseNextChangeAndNowForOpenDeals) {
  World w;
  auto a = w.alice.id;
  w.opportunity(a, 1, "open", {{"初步接洽", kNow - 10 * kDay}, {"需求确认", kNow - 4 * kDay}});
  w.opportunity(a, 1, "won", {{"初步接洽", kT0}, {"需求确认", kT0 + 2 * kDay}, {"赢单", kT0 + 3 * kDay}});
  auto t = w.crm.reports().stage_durations();
  EXPECT_EQ(t.column("opportunities").ints[0], 2);
  EXPECT_DOUBLE_EQ(t.column("median_days").floats[0], 4.0);        // 6 and 2
  EXPECT_DOUBLE_EQ(t.column("p90_days").floats[0], 2.0 + 4.0 * 0.9);
  EXPECT_DOUBLE_EQ(t.column("median_days").floats[1], 2.5);        // 4 (open, until now) and 1
  EXPECT_EQ(t.column("median_days").valid[4], 0);                  // nobody stays in a closed stage
}

TEST(Reports, ApprovalStepFlags) {
  World w;
  auto opp = w.opportunity(w.alice.id, 1, "open", {{"初步接洽", kT0}});
  w.exec("INSERT INTO workflows(id, name, version, entity, trigger_on, definition, created_at) "
         "VALUES (1, 'wf', 1, 'opportunity', 'submit', '{}', 0)");
  auto& d = w.crm.database();
  {
    db::Transaction tx(d);
    for (int i = 0; i < 20; ++i) {
      d.prepare("INSERT INTO approval_requests(workflow_id, entity, entity_id, status, created_at, updated_at) "
                "VALUES (1, 'opportunity', ?, 'approved', 0, 0)").bind_all(opp).exec();
      auto r = d.last_insert_id();
      d.prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, status, started_at, ended_at) "
                "VALUES (?, 1, 0, 'manager', 'any', 'approved', ?, ?)").bind_all(r, kT0, kT0 + 48 * kHour).exec();
      d.prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, status, started_at, ended_at) "
                "VALUES (?, 1, 1, 'finance', 'any', ?, ?, ?)")
          .bind_all(r, std::string(i < 5 ? "rejected" : "approved"), kT0, kT0 + kHour).exec();
    }
    tx.commit();
  }
  auto t = w.crm.reports().approval_steps();
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.column("step").texts[0], "manager");
  EXPECT_EQ(t.column("pure_delay").ints[0], 1);
  EXPECT_EQ(t.column("bottleneck").ints[0], 1);
  EXPECT_DOUBLE_EQ(t.column("median_wait_hours").floats[0], 48.0);
  EXPECT_EQ(t.column("pure_delay").ints[1], 0);
  EXPECT_DOUBLE_EQ(t.column("reject_rate").floats[1], 0.25);
  EXPECT_DOUBLE_EQ(t.column("wait_share").floats[0], 48.0 / 49.0);
  EXPECT_EQ(w.crm.as_user(w.bob.id).reports().approval_steps().rows(), 0u);
}

TEST(Reports, BadInputNamesTheParameter) {
  World w;
  auto r = w.crm.reports();
  auto field_of = [](auto&& f) {
    try {
      f();
    } catch (const ValidationError& e) {
      return e.field();
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(field_of([&] { r.conversion("colour"); }), "by");
  EXPECT_EQ(field_of([&] { r.forecast("fortnight"); }), "period");
  ReportFilter backwards;
  backwards.start_ms = kNow;
  backwards.end_ms = kT0;
  EXPECT_EQ(field_of([&] { r.funnel(backwards); }), "start");
  ReportFilter nobody;
  nobody.owner = 4242;
  EXPECT_EQ(field_of([&] { r.velocity(nobody); }), "owner");
  ReportFilter bad_rule;
  bad_rule.where = "lifetime_value > 'x'";
  EXPECT_THROW(r.repurchase_rate("quarter", bad_rule), RuleSyntaxError);
}

TEST(Reports, EmptyDatabaseHasNoDivisionByZero) {
  World w;
  auto r = w.crm.reports();
  auto f = r.funnel();
  EXPECT_EQ(f.rows(), 6u);
  for (std::size_t i = 0; i < f.rows(); ++i) EXPECT_EQ(f.column("conversion_to_next").valid[i], 0);
  EXPECT_EQ(r.velocity().column("velocity").valid[0], 0);
  EXPECT_EQ(r.conversion("period").rows(), 0u);
  EXPECT_EQ(r.approval_steps().width(), 18u);
  EXPECT_EQ(r.activity("team").rows(), 0u);
}

}  // namespace
