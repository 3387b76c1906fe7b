// Approval workflows through the C++ API alone: definitions, validation, the engine, the ledger.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

using namespace crmkit;
using pipeline::OpportunityInput;

namespace {

const char* kInitiation = R"({
  "name": "opportunity_initiation", "entity": "opportunity",
  "trigger": {"on": "stage_enter", "stage": "需求确认"},
  "when": "amount >= 100000",
  "steps": [
    {"name": "manager",  "approvers": "owner.manager", "mode": "any"},
    {"name": "director", "approvers": {"role": "director"}, "when": "amount >= 1000000",
     "mode": "all", "sla_hours": 48, "escalate_to": "approver.manager"},
    {"name": "finance",  "approvers": {"role": "finance"}, "mode": "quorum", "quorum": 2}],
  "on_approve": {"advance": true}, "on_reject": {"stage": "初步接洽"}})";

struct Org {
  Crm crm = Crm::open(":memory:");
  org::User zhang, zhao, wang, alice, bob, fin1, fin2, fin3, root, deputy;
  std::int64_t customer = 0;
  Org() {
    crm.clock().freeze(parse_timestamp("2026-01-01T09:00", "t").ms);
    auto sales = crm.teams().add("华东销售部");
    root = crm.users().add({"root", "Root", "admin", std::nullopt, std::nullopt, std::nullopt});
    zhang = crm.users().add({"zhang", "张总", "director", sales.id, std::nullopt, std::nullopt});
    zhao = crm.users().add({"zhao", "赵总", "director", sales.id, std::nullopt, std::nullopt});
    wang = crm.users().add({"wang", "王经理", "manager", sales.id, zhang.id, std::nullopt});
    alice = crm.users().add({"alice", "Alice", "sales", sales.id, wang.id, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", sales.id, wang.id, std::nullopt});
    fin1 = crm.users().add({"fin1", "财务1", "finance", std::nullopt, std::nullopt, std::nullopt});
    fin2 = crm.users().add({"fin2", "财务2", "finance", std::nullopt, std::nullopt, std::nullopt});
    fin3 = crm.users().add({"fin3", "财务3", "finance", std::nullopt, std::nullopt, std::nullopt});
    deputy = crm.users().add({"deputy", "副经理", "manager", sales.id, zhang.id, std::nullopt});
    customers::CustomerInput c;
    c.attrs["name"] = "客户";
    c.attrs["owner"] = alice.id;
    customer = crm.customers().add(c).id;
  }
  pipeline::Opportunity opp(double amount, std::int64_t owner) {
    OpportunityInput in;
    in.attrs["customer"] = customer;
    in.attrs["title"] = "ERP项目";
    in.attrs["amount"] = amount;
    in.attrs["owner"] = owner;
    return crm.opportunities().add(in);
  }
  bool has_problem(const std::vector<workflow::Problem>& ps, const std::string& path, const std::string& text) {
    for (const auto& p : ps)
      if (p.path == path && p.message.find(text) != std::string::npos) return true;
    std::string all;
    for (const auto& p : ps) all += p.path + ": " + p.message + "\n";
    ADD_FAILURE() << "no problem at " << path << " containing '" << text << "'; got:\n" << all;
    return false;
  }
};

std::string with(const std::string& base, const std::string& from, const std::string& to) {
  auto s = base;
  auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(WorkflowDefinitions, SoundDefinitionIsAcceptedAndVersioned) {
  Org o;
  EXPECT_TRUE(o.crm.workflows().validate(kInitiation).empty());
  auto w = o.crm.workflows().define(kInitiation);
  EXPECT_EQ(w.version, 1);
  EXPECT_EQ(w.trigger, "stage_enter:需求确认");
  auto w2 = o.crm.workflows().define(kInitiation);  // the same name again: a new version, no self-overlap
  EXPECT_EQ(w2.version, 2);
  EXPECT_EQ(o.crm.workflows().list().rows(), 1u);
  EXPECT_EQ(o.crm.workflows().list(true).rows(), 2u);
  EXPECT_THROW(o.crm.as_user(o.alice.id).workflows().define(kInitiation), PermissionDenied);
}

TEST(WorkflowDefinitions, EveryProblemIsReportedWithItsPath) {
  Org o;
  auto v = o.crm.workflows();
  auto ps = v.validate("{not json");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].path, "$");
  o.has_problem(v.validate("[1]"), "$", "JSON object");
  o.has_problem(v.validate(with(kInitiation, "\"opportunity\"", "\"invoice\"")), "$.entity", "unknown entity 'invoice'");
  o.has_problem(v.validate(with(kInitiation, "amount >= 100000", "amount >= \\\"x\\\"")), "$.when", "does not type-check");
  o.has_problem(v.validate(with(kInitiation, "amount >= 100000", "amont >= 1")), "$.when", "did you mean 'amount'");
  o.has_problem(v.validate(with(kInitiation, "\"finance\"}", "\"auditor\"}")), "$.steps[2].approvers",
                "unknown role 'auditor'");
  o.has_problem(v.validate(with(kInitiation, "\"quorum\": 2", "\"quorum\": 5")), "$.steps[2].quorum",
                "larger than the approver set");
  o.has_problem(v.validate(with(kInitiation, "{\"name\": \"director\"", "{\"name\": \"manager\"")), "$.steps[1].name",
                "duplicate step name");
  o.has_problem(v.validate(with(kInitiation, "\"owner.manager\"", "\"owner.boss\"")), "$.steps[0].approvers",
                "unknown approver expression 'owner.boss'");
  o.has_problem(v.validate(with(kInitiation, "\"owner.manager\"", "\"owner\"")), "$.steps[0].approvers",
                "approve their own request");
  o.has_problem(v.validate(with(kInitiation, "\"owner.manager\"", "\"owner.manager^3\"")), "$.steps[0].approvers",
                "empty for every possible record");
  o.has_problem(v.validate(with(kInitiation, "\"when\": \"amount >= 1000000\"", "\"when\": \"amount < 50000\"")),
                "$.steps[1].when", "unreachable");
  o.has_problem(v.validate(with(kInitiation, "\"mode\": \"any\"", "\"mode\": \"some\"")), "$.steps[0].mode",
                "unknown mode");
  o.has_problem(v.validate(with(kInitiation, "\"sla_hours\": 48", "\"sla_hours\": \"48\"")), "$.steps[1].sla_hours",
                "positive number");
  o.has_problem(v.validate(with(kInitiation, "\"初步接洽\"}", "\"需求确认\"}")), "$.on_reject.stage", "cycle");
  // Several problems at once.
  auto many = v.validate(with(with(kInitiation, "\"finance\"}", "\"auditor\"}"), "\"owner.manager\"", "\"x\""));
  EXPECT_GE(many.size(), 2u);
  try {
    o.crm.workflows().define(with(kInitiation, "\"finance\"}", "\"auditor\"}"));
    FAIL();
  } catch (const WorkflowError& e) {
    EXPECT_NE(std::string(e.what()).find("$.steps[2].approvers"), std::string::npos);
  }
  EXPECT_EQ(o.crm.workflows().list().rows(), 0u);
}

TEST(WorkflowDefinitions, OverlappingActiveWorkflowsNameTheRange) {
  Org o;
  o.crm.workflows().define(with(kInitiation, "amount >= 100000", "amount >= 100000 and amount < 5000000"));
  auto other = with(with(kInitiation, "opportunity_initiation", "big_deals"), "amount >= 100000", "amount >= 300000");
  auto ps = o.crm.workflows().validate(other);
  o.has_problem(ps, "$.when", "amount in [300000, 5000000)");
  auto disjoint = with(with(kInitiation, "opportunity_initiation", "big_deals"), "amount >= 100000", "amount >= 5000000");
  EXPECT_TRUE(o.crm.workflows().validate(disjoint).empty());
}

TEST(Approvals, TheInitiationProcessEndToEnd) {
  Org o;
  o.crm.workflows().define(kInitiation);
  auto opp = o.opp(2000000, o.alice.id);
  Crm alice = o.crm.as_user(o.alice.id);
  auto moved = alice.opportunities().advance(opp.id);
  EXPECT_EQ(moved.stage, "需求确认");
  ASSERT_TRUE(moved.locked_by_request);
  auto rid = *moved.locked_by_request;
  auto req = o.crm.approvals().get(rid);
  EXPECT_EQ(req.status, "pending");
  EXPECT_EQ(req.current_step, "manager");
  EXPECT_EQ(req.submitter_id, o.alice.id);
  // Locked: edits are refused and change nothing.
  OpportunityInput change;
  change.attrs["amount"] = 1.0;
  EXPECT_THROW(alice.opportunities().update(opp.id, change), Conflict);
  EXPECT_THROW(alice.opportunities().win(opp.id), Conflict);
  // The manager's inbox has it; bob's does not; the system view must name the actor.
  EXPECT_EQ(o.crm.approvals().inbox(o.wang.id).rows(), 1u);
  EXPECT_EQ(o.crm.approvals().inbox(o.bob.id).rows(), 0u);
  EXPECT_THROW(o.crm.approvals().approve(rid), PermissionDenied);
  EXPECT_THROW(o.crm.approvals().approve(rid, o.bob.id), PermissionDenied);
  EXPECT_THROW(o.crm.approvals().approve(rid, o.alice.id), PermissionDenied);  // own request
  auto r1 = o.crm.as_user(o.wang.id).approvals().approve(rid, std::nullopt, "同意");
  EXPECT_EQ(r1.current_step, "director");
  // Acting again on a step that is no longer current is a Conflict.
  EXPECT_THROW(o.crm.approvals().approve(rid, o.wang.id), Conflict);
  EXPECT_THROW(o.crm.approvals().approve(rid, o.zhang.id, std::nullopt, std::string("manager")), Conflict);
  o.crm.approvals().approve(rid, o.zhang.id);
  EXPECT_THROW(o.crm.approvals().approve(rid, o.zhang.id), Conflict);  // acts once per step
  auto r2 = o.crm.approvals().approve(rid, o.zhao.id);
  EXPECT_EQ(r2.current_step, "finance");
  o.crm.approvals().approve(rid, o.fin1.id);
  auto r3 = o.crm.approvals().approve(rid, o.fin3.id);
  EXPECT_EQ(r3.status, "approved");
  EXPECT_FALSE(r3.current_step);
  auto after = o.crm.opportunities().get(opp.id);
  EXPECT_EQ(after.stage, "方案报价");  // on_approve: advance
  EXPECT_FALSE(after.locked_by_request);
  EXPECT_THROW(o.crm.approvals().approve(rid, o.fin2.id), Conflict);
  auto h = o.crm.approvals().history(rid);
  EXPECT_EQ(h.column("kind").at(0).as<std::string>(), "submit");
  EXPECT_EQ(h.column("kind").at(h.rows() - 1).as<std::string>(), "approved");
  EXPECT_TRUE(o.crm.audit().verify().ok);
}

TEST(Approvals, SkippedStepsRejectionResubmitAndRecall) {
  Org o;
  o.crm.workflows().define(kInitiation);
  auto opp = o.opp(200000, o.alice.id);
  auto rid = *o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request;
  auto steps = o.crm.approvals().steps(rid);
  ASSERT_EQ(steps.rows(), 1u);
  o.crm.approvals().approve(rid, o.wang.id);
  steps = o.crm.approvals().steps(rid);
  EXPECT_EQ(steps.column("status").at(1).as<std::string>(), "skipped");  // director: amount < 1000000
  // Quorum 2 of 3: one rejection leaves two possible approvals; the second makes it impossible.
  EXPECT_EQ(o.crm.approvals().reject(rid, o.fin2.id, "预算不足").status, "pending");
  auto rejected = o.crm.approvals().reject(rid, o.fin3.id, "同上");
  EXPECT_EQ(rejected.status, "rejected");
  EXPECT_EQ(o.crm.opportunities().get(opp.id).stage, "初步接洽");  // on_reject: return
  EXPECT_THROW(o.crm.approvals().resubmit(rid, o.bob.id), PermissionDenied);
  auto again = o.crm.approvals().resubmit(rid, o.alice.id);
  EXPECT_EQ(again.round, 2);
  EXPECT_EQ(again.status, "pending");
  EXPECT_EQ(again.current_step, "manager");
  auto recalled = o.crm.approvals().recall(rid, o.alice.id);
  EXPECT_EQ(recalled.status, "recalled");
  EXPECT_FALSE(o.crm.opportunities().get(opp.id).locked_by_request);
  EXPECT_EQ(o.crm.approvals().resubmit(rid, o.alice.id).round, 3);
  o.crm.approvals().approve(rid, o.wang.id);
  o.crm.approvals().approve(rid, o.fin1.id);
  EXPECT_EQ(o.crm.approvals().approve(rid, o.fin2.id).status, "approved");
  EXPECT_THROW(o.crm.approvals().resubmit(rid, o.alice.id), WorkflowError);
}

TEST(Approvals, FallbackWhenNobodyResolvesAndTheTrace) {
  Org o;
  o.crm.workflows().define(R"({"name": "w", "entity": "opportunity", "trigger": {"on": "submit"},
      "steps": [{"name": "s", "approvers": "owner.manager^2"}]})");
  // wang's chain: zhang only; owner.manager^2 of wang is nobody -> next manager up? none above zhang -> admin.
  auto opp = o.opp(10, o.wang.id);
  auto req = o.crm.approvals().submit("opportunity", opp.id, std::string("w"), o.wang.id);
  auto steps = o.crm.approvals().steps(req.id);
  auto approvers = steps.column("approvers").at(0).as<std::vector<std::string>>();
  ASSERT_EQ(approvers.size(), 1u);
  EXPECT_EQ(approvers[0], "zhang");
  auto trace = steps.column("trace").at(0).as<std::string>();
  EXPECT_NE(trace.find("fallback"), std::string::npos);
  // The submitter is never asked: zhang submits for wang's record -> admin.
  auto opp2 = o.opp(10, o.wang.id);
  auto req2 = o.crm.approvals().submit("opportunity", opp2.id, std::string("w"), o.zhang.id);
  auto a2 = o.crm.approvals().steps(req2.id).column("approvers").at(0).as<std::vector<std::string>>();
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_EQ(a2[0], "root");
}

TEST(Approvals, DelegationInboxAndLoops) {
  Org o;
  o.crm.workflows().define(kInitiation);
  auto opp = o.opp(200000, o.alice.id);
  auto rid = *o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request;
  auto now = o.crm.clock().now_ms();
  o.crm.approvals().delegate(o.wang.id, o.deputy.id, Timestamp{now}, Timestamp{now + 7 * kMillisPerDay});
  EXPECT_THROW(o.crm.approvals().delegate(o.deputy.id, o.wang.id, Timestamp{now}, Timestamp{now + kMillisPerDay}),
               WorkflowError);
  auto inbox = o.crm.approvals().inbox(o.deputy.id);
  ASSERT_EQ(inbox.rows(), 1u);
  EXPECT_EQ(inbox.column("on_behalf_of").at(0).as<std::int64_t>(), o.wang.id);
  o.crm.approvals().approve(rid, o.deputy.id, "代批");
  auto h = o.crm.approvals().history(rid);
  bool found = false;
  for (std::size_t i = 0; i < h.rows(); ++i)
    if (h.column("kind").at(i).as<std::string>() == "approve") {
      EXPECT_EQ(h.column("actor_id").at(i).as<std::int64_t>(), o.deputy.id);
      EXPECT_EQ(h.column("on_behalf_of").at(i).as<std::int64_t>(), o.wang.id);
      found = true;
    }
  EXPECT_TRUE(found);
  // After the window the delegate sees nothing more.
  o.crm.clock().advance(8 * kMillisPerDay);
  EXPECT_EQ(o.crm.approvals().inbox(o.deputy.id).rows(), 0u);
}

TEST(Approvals, EscalationByTheClockAndAutoDecision) {
  Org o;
  o.crm.workflows().define(kInitiation);
  o.crm.workflows().define(R"({"name": "quotes", "entity": "quote", "trigger": {"on": "submit"},
      "steps": [{"name": "check", "approvers": {"users": ["fin1"]}, "sla_hours": 4, "auto_decision": "approve"}]})");
  auto opp = o.opp(2000000, o.alice.id);
  auto rid = *o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request;
  o.crm.approvals().approve(rid, o.wang.id);
  EXPECT_EQ(o.crm.approvals().escalate_overdue().rows(), 0u);
  o.crm.clock().advance(49 * kMillisPerHour);
  auto esc = o.crm.approvals().escalate_overdue();
  ASSERT_EQ(esc.rows(), 1u);
  EXPECT_EQ(esc.column("action").at(0).as<std::string>(), "escalated");
  EXPECT_EQ(o.crm.approvals().escalate_overdue().rows(), 0u);  // once
  // Directors have no manager: the admin gets it, and the ledger says so.
  auto users = esc.column("users").at(0).as<std::vector<std::string>>();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0], "root");
  EXPECT_EQ(o.crm.approvals().approve(rid, o.root.id).current_step, "finance");  // the escalation decides the step

  pipeline::DocumentInput doc;
  doc.attrs["title"] = "报价";
  doc.attrs["discount"] = 0.3;
  auto d = o.crm.documents().add(opp.id, "quote", doc);
  auto q = o.crm.approvals().submit("quote", d.id, std::nullopt, o.alice.id);
  o.crm.clock().advance(5 * kMillisPerHour);
  auto auto_dec = o.crm.approvals().escalate_overdue();
  ASSERT_EQ(auto_dec.rows(), 1u);
  EXPECT_EQ(auto_dec.column("action").at(0).as<std::string>(), "approved");
  EXPECT_EQ(o.crm.approvals().get(q.id).status, "approved");
}

TEST(Approvals, ReapprovalOnAmountIncreaseAndFieldChangeTrigger) {
  Org o;
  schema::FieldDef def;
  def.entity = "opportunity";
  def.name = "discount";
  def.type = schema::FieldType::Number;
  o.crm.fields().add(def);
  o.crm.workflows().define(R"({"name": "discounts", "entity": "opportunity",
      "trigger": {"on": "field_change", "when": "discount > 0.2"},
      "steps": [{"name": "manager", "approvers": "owner.manager"}],
      "reapprove_on": {"amount": "increase > 10%"}})");
  auto opp = o.opp(1000, o.alice.id);
  OpportunityInput change;
  change.fields["discount"] = 0.1;
  auto u = o.crm.opportunities().update(opp.id, change, std::nullopt, o.alice.id);
  EXPECT_FALSE(u.locked_by_request);
  change.fields["discount"] = 0.25;
  u = o.crm.opportunities().update(opp.id, change, std::nullopt, o.alice.id);
  ASSERT_TRUE(u.locked_by_request);
  auto rid = *u.locked_by_request;
  EXPECT_EQ(o.crm.approvals().approve(rid, o.wang.id).status, "approved");
  OpportunityInput small;
  small.attrs["amount"] = 1050.0;
  EXPECT_FALSE(o.crm.opportunities().update(opp.id, small).locked_by_request);
  OpportunityInput big;
  big.attrs["amount"] = 1200.0;
  auto b = o.crm.opportunities().update(opp.id, big);
  ASSERT_TRUE(b.locked_by_request);
  EXPECT_EQ(*b.locked_by_request, rid);
  auto req = o.crm.approvals().get(rid);
  EXPECT_EQ(req.round, 2);
  EXPECT_EQ(req.status, "pending");
}

TEST(Approvals, RunningRequestsKeepTheirVersion) {
  Org o;
  o.crm.workflows().define(kInitiation);
  auto opp = o.opp(200000, o.alice.id);
  auto rid = *o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request;
  o.crm.workflows().define(with(kInitiation, "\"owner.manager\"", "{\"users\": [\"fin1\"]}"));
  EXPECT_EQ(o.crm.approvals().get(rid).workflow_version, 1);
  o.crm.approvals().approve(rid, o.wang.id);  // version 1 routing still applies
  EXPECT_EQ(o.crm.approvals().get(rid).current_step, "finance");
}

TEST(Approvals, SimulateAndReplayWriteNothing) {
  Org o;
  o.crm.workflows().define(kInitiation);
  auto route = o.crm.workflows().simulate("opportunity_initiation",
                                          {{"amount", Value(2000000.0)}, {"owner", Value(o.alice.id)}});
  ASSERT_TRUE(route.applies);
  ASSERT_EQ(route.steps.size(), 3u);
  EXPECT_EQ(route.steps[0].approvers.at(0).login, "wang");
  EXPECT_TRUE(route.steps[1].runs);
  EXPECT_EQ(route.steps[1].sla_hours, 48.0);
  auto small = o.crm.workflows().simulate("opportunity_initiation", {{"amount", Value(200000.0)}, {"owner", Value(o.alice.id)}});
  EXPECT_FALSE(small.steps[1].runs);
  EXPECT_NE(small.steps[1].reason.find("amount >= 1000000"), std::string::npos);
  auto none = o.crm.workflows().simulate("opportunity_initiation", {{"amount", Value(10.0)}});
  EXPECT_FALSE(none.applies);
  o.opp(2000000, o.alice.id);
  o.opp(200000, o.bob.id);
  o.opp(50, o.bob.id);
  auto head = o.crm.audit().head();
  auto rep = o.crm.workflows().replay(kInitiation, std::string("amount > 0"));
  EXPECT_EQ(rep.records, 3);
  EXPECT_EQ(rep.requests, 2);
  EXPECT_EQ(rep.per_step.column("requests").at(1).as<std::int64_t>(), 1);
  EXPECT_EQ(rep.per_step.column("skipped").at(1).as<std::int64_t>(), 1);
  EXPECT_EQ(o.crm.audit().head(), head);
  EXPECT_EQ(o.crm.approvals().list().rows(), 0u);
}

TEST(Ledger, VerifyNamesTheDamage) {
  Org o;
  o.crm.workflows().define(kInitiation);
  for (int i = 0; i < 3; ++i) {
    auto opp = o.opp(200000, o.alice.id);
    auto rid = *o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request;
    o.crm.approvals().approve(rid, o.wang.id);
  }
  auto v = o.crm.audit().verify();
  ASSERT_TRUE(v.ok) << v.reason;
  auto head = o.crm.audit().head();
  EXPECT_EQ(v.head, head);
  EXPECT_GT(v.entries, 8);
  auto& raw = o.crm.database();
  // Edit an entry's content.
  raw.exec("UPDATE approval_ledger SET comment = 'forged' WHERE id = 5");
  v = o.crm.audit().verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 5);
  EXPECT_NE(v.reason.find("edited"), std::string::npos);
  raw.exec("UPDATE approval_ledger SET comment = NULL WHERE id = 5");
  EXPECT_TRUE(o.crm.audit().verify().ok);
  // Delete a middle entry.
  raw.exec("CREATE TEMP TABLE saved AS SELECT * FROM approval_ledger WHERE id = 4");
  raw.exec("DELETE FROM approval_ledger WHERE id = 4");
  v = o.crm.audit().verify();
  EXPECT_EQ(v.first_bad, 5);
  EXPECT_NE(v.reason.find("deleted"), std::string::npos);
  raw.exec("INSERT INTO approval_ledger SELECT * FROM saved");
  EXPECT_TRUE(o.crm.audit().verify().ok);
  // Reorder two entries.
  raw.exec("UPDATE approval_ledger SET id = -1 WHERE id = 6; UPDATE approval_ledger SET id = 6 WHERE id = 7; "
           "UPDATE approval_ledger SET id = 7 WHERE id = -1");
  v = o.crm.audit().verify();
  EXPECT_EQ(v.first_bad, 6);
  raw.exec("UPDATE approval_ledger SET id = -1 WHERE id = 6; UPDATE approval_ledger SET id = 6 WHERE id = 7; "
           "UPDATE approval_ledger SET id = 7 WHERE id = -1");
  EXPECT_TRUE(o.crm.audit().verify(head).ok);
  // Delete trailing entries: only the expected head notices.
  auto last = o.crm.audit().verify().entries;
  raw.exec("DELETE FROM approval_ledger WHERE id >= " + std::to_string(last - 1));
  EXPECT_TRUE(o.crm.audit().verify().ok);
  v = o.crm.audit().verify(head);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, last - 1);
  EXPECT_NE(v.reason.find("expected head"), std::string::npos);
}

// ---- customer locking -------------------------------------------------------------------------

namespace {

const char* kCustomerReview = R"({
  "name": "customer_review", "entity": "customer",
  "steps": [{"name": "manager", "approvers": "owner.manager",
             "on_approve": {"set": {"industry": "制造"}}},
            {"name": "director", "approvers": {"role": "director"}, "mode": "all"}],
  "on_approve": {"stage": "active"}, "on_reject": {"stage": "churned"}})";

customers::CustomerInput rename(const std::string& name) {
  customers::CustomerInput in;
  in.attrs["name"] = name;
  return in;
}

// Runs `f` and returns the Conflict's message, or fails the test when it does not raise one.
template <typename F>
std::string conflict_of(F&& f) {
  try {
    f();
  } catch (const Conflict& e) {
    return e.what();
  }
  ADD_FAILURE() << "no Conflict";
  return "";
}

}  // namespace

TEST(CustomerLock, APendingRequestRefusesEditsUntilItIsApproved) {
  Org o;
  o.crm.workflows().define(kCustomerReview);
  auto req = o.crm.approvals().submit("customer", o.customer, std::string("customer_review"), o.alice.id);
  auto svc = o.crm.customers();
  auto message = conflict_of([&] { svc.update(o.customer, rename("新名字")); });
  EXPECT_NE(message.find("customer " + std::to_string(o.customer) + " is locked by approval request " +
                         std::to_string(req.id) + " (pending at step 'manager')"),
            std::string::npos)
      << message;
  EXPECT_NE(conflict_of([&] { svc.set_stage(o.customer, "loyal"); }).find("cannot move to another stage"),
            std::string::npos);
  EXPECT_NE(conflict_of([&] { svc.tag(o.customer, "vip"); }).find("cannot be tagged"), std::string::npos);
  EXPECT_NE(conflict_of([&] { svc.untag(o.customer, "vip"); }).find("cannot be untagged"), std::string::npos);
  EXPECT_NE(conflict_of([&] { svc.remove(o.customer); }).find("cannot be deleted"), std::string::npos);
  // A scoped view of the owner is refused the same way.
  auto alice = o.crm.as_user(o.alice.id);
  EXPECT_NE(conflict_of([&] { alice.customers().update(o.customer, rename("x")); }).find("locked"),
            std::string::npos);

  // The first step's own action still applies (the engine changes the record), and the lock
  // moves on to the next step.
  o.crm.approvals().approve(req.id, o.wang.id);
  EXPECT_EQ(svc.get(o.customer).industry, "制造");
  EXPECT_NE(conflict_of([&] { svc.update(o.customer, rename("x")); }).find("pending at step 'director'"),
            std::string::npos);
  o.crm.approvals().approve(req.id, o.zhang.id);
  EXPECT_EQ(o.crm.approvals().get(req.id).status, "pending");
  auto before = svc.get(o.customer);
  auto done = o.crm.approvals().approve(req.id, o.zhao.id);
  EXPECT_EQ(done.status, "approved");
  // The workflow's on_approve moved the stage; now the customer is editable again, also by the
  // version read while it was locked (the lock itself is not an edit).
  auto after = svc.get(o.customer);
  EXPECT_EQ(after.stage, "active");
  auto renamed = svc.update(o.customer, rename("新名字"), after.version);
  EXPECT_EQ(renamed.name, "新名字");
  EXPECT_EQ(alice.customers().tag(o.customer, "vip").tags, std::vector<std::string>{"vip"});
  EXPECT_EQ(before.version + 1, after.version);  // only the stage action changed it
}

TEST(CustomerLock, RejectionAndRecallUnlock) {
  Org o;
  o.crm.workflows().define(kCustomerReview);
  auto svc = o.crm.customers();
  auto req = o.crm.approvals().submit("customer", o.customer, std::string("customer_review"), o.alice.id);
  o.crm.approvals().reject(req.id, o.wang.id, std::string("不行"));
  EXPECT_EQ(svc.get(o.customer).stage, "churned");  // on_reject ran although the customer was locked
  svc.set_stage(o.customer, "prospect");
  auto again = o.crm.approvals().resubmit(req.id, o.alice.id);
  EXPECT_EQ(again.round, 2);
  conflict_of([&] { svc.set_stage(o.customer, "loyal"); });
  o.crm.approvals().recall(req.id, o.alice.id);
  EXPECT_EQ(svc.set_stage(o.customer, "loyal").stage, "loyal");
  EXPECT_EQ(svc.update(o.customer, rename("改名")).name, "改名");
}

TEST(CustomerLock, RecordsAboutTheCustomerStayAllowed) {
  Org o;
  o.crm.workflows().define(kCustomerReview);
  o.crm.approvals().submit("customer", o.customer, std::string("customer_review"), o.alice.id);
  // Contacts and opportunities are records of their own, not edits of the customer.
  customers::ContactInput c;
  c.attrs["name"] = "李四";
  EXPECT_GT(o.crm.contacts().add(o.customer, c).id, 0);
  EXPECT_GT(o.opp(5000, o.alice.id).id, 0);
}

TEST(Approvals, EscalationIsACellNotAReason) {
  Org o;
  o.crm.workflows().define(R"({"name": "two_of_two", "entity": "opportunity",
      "steps": [{"name": "check", "approvers": {"users": ["fin1", "fin2"]}, "mode": "all"}]})");
  auto opp = o.opp(1000, o.alice.id);
  auto rid = o.crm.approvals().submit("opportunity", opp.id, std::nullopt, o.alice.id).id;
  // A reason that merely reads like an escalation does not make fin1's approval decisive.
  o.crm.database().exec("UPDATE approval_assignees SET reason = 'escalated after 1h: look-alike' "
                              "WHERE user_id = " + std::to_string(o.fin1.id));
  EXPECT_EQ(o.crm.approvals().approve(rid, o.fin1.id).status, "pending");
  EXPECT_EQ(o.crm.approvals().approve(rid, o.fin2.id).status, "approved");
}

TEST(Approvals, ApproveManyIsOneTransactionWithASavepointPerRequest) {
  Org o;
  o.crm.workflows().define(kInitiation);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto opp = o.opp(200000, o.alice.id);
    ids.push_back(*o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id).locked_by_request);
  }
  o.crm.approvals().approve(ids[1], o.wang.id);  // already past the manager step
  auto entries_before = o.crm.approvals().history(ids[1]).rows();
  ids.push_back(999999);
  auto results = o.crm.approvals().approve_many(ids, o.wang.id, std::string("批量"), std::string("manager"));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].current_step, "finance");
  EXPECT_FALSE(results[1].ok);
  EXPECT_EQ(results[1].error, "Conflict");
  EXPECT_TRUE(results[2].ok);
  EXPECT_EQ(results[3].error, "NotFound");
  // The refused request gained nothing; the decided ones are stored as a single approve() stores them.
  EXPECT_EQ(o.crm.approvals().history(ids[1]).rows(), entries_before);
  EXPECT_EQ(o.crm.approvals().get(ids[0]).current_step, "finance");
  EXPECT_EQ(o.crm.approvals().get(ids[2]).current_step, "finance");
  // The submitter is refused per request, the system view without a user for the whole call.
  auto own = o.crm.approvals().approve_many({ids[0]}, o.alice.id);
  EXPECT_EQ(own.at(0).error, "PermissionDenied");
  EXPECT_THROW(o.crm.approvals().approve_many({ids[0]}, std::nullopt), PermissionDenied);
}
