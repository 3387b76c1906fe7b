// The approval-step report (crmkit/workflow/reports.hpp): waiting time, outcomes and the two flags
// per workflow step.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "crmkit/error.hpp"
#include "crmkit/pipeline/catalog.hpp"
#include "crmkit/reporting/toolkit.hpp"
#include "crmkit/time.hpp"
#include "crmkit/workflow/reports.hpp"

namespace crmkit::workflow {

using namespace reporting;

namespace {

void check_thresholds(const ApprovalThresholds& t) {
  if (t.min_decisions < 0) throw ValidationError("min_decisions must not be negative", "min_decisions");
  if (!(t.max_reject_rate >= 0.0 && t.max_reject_rate <= 1.0))
    throw ValidationError("max_reject_rate must be between 0 and 1", "max_reject_rate");
  if (!(t.min_median_wait_hours >= 0.0))
    throw ValidationError("min_median_wait_hours must not be negative", "min_median_wait_hours");
  if (!(t.bottleneck_share >= 0.0 && t.bottleneck_share <= 1.0))
    throw ValidationError("bottleneck_share must be between 0 and 1", "bottleneck_share");
}

struct StepStats {
  std::string workflow;
  std::string step;
  std::int64_t first_index = 0;
  std::vector<std::int64_t> requests;
  std::int64_t instances = 0, approved = 0, rejected = 0, skipped = 0, cancelled = 0, pending = 0, escalations = 0;
  std::vector<double> waits_hours;
  double total_hours = 0.0;
};

}  // namespace

Table WorkflowReports::approval_steps(const reporting::ReportFilter& f, const ApprovalThresholds& th) const {
  check_thresholds(th);
  db::Transaction tx(ctx_.db(), false);
  check_window(f);

  // The record's owner decides scope and the owner/team filters: a customer's owner for requests
  // on customers, the opportunity's owner for opportunities and their documents. The joins are
  // only made when something needs them (the system view without filters reads steps alone).
  Conditions c;
  bool scoped = ctx_.who->owner_filter("opportunities", "x").sql != "1" ||
                ctx_.who->owner_filter("customers", "x").sql != "1";
  bool need_record = scoped || f.owner || f.team || f.where;
  std::string from = "approval_steps s JOIN approval_requests r ON r.id = s.request_id";
  if (need_record) {
    from +=
        " LEFT JOIN documents d ON r.entity NOT IN ('opportunity', 'customer') AND d.id = r.entity_id"
        " LEFT JOIN opportunities o ON r.entity <> 'customer' AND o.id = CASE WHEN r.entity = 'opportunity' "
        "THEN r.entity_id ELSE d.opportunity_id END"
        " LEFT JOIN customers c ON r.entity = 'customer' AND c.id = r.entity_id";
    const std::string owner = "(CASE WHEN r.entity = 'customer' THEN c.owner_id ELSE o.owner_id END)";
    if (scoped) {
      Conditions cust, opp;
      add_scope(cust, ctx_, "customers", "c.owner_id");
      add_scope(opp, ctx_, "opportunities", "o.owner_id");
      std::vector<rules::Value> params = cust.params;
      params.insert(params.end(), opp.params.begin(), opp.params.end());
      c.add("(r.entity = 'customer' AND c.id IS NOT NULL AND " + cust.sql + ") OR (r.entity <> 'customer' AND o.id "
            "IS NOT NULL AND " + opp.sql + ")", params);
    }
    add_owner_team(c, ctx_, f, owner);
    if (f.where) {
      // The rule speaks about the request's opportunity; requests on customers have none.
      c.add("o.id IS NOT NULL");
      add_rule(c, ctx_, f, pipeline::opportunity_catalog(ctx_));
    }
  }
  add_window(c, f, "s.started_at");

  std::unordered_map<std::int64_t, std::string> workflow_names;
  {
    auto q = ctx_.db().prepare("SELECT id, name FROM workflows");
    while (q.step()) workflow_names[q.get_int(0)] = q.get_text(1);
  }
  const std::int64_t now = ctx_.now();
  std::map<std::pair<std::string, std::string>, StepStats> steps;
  auto q = ctx_.db().prepare(
      "SELECT r.workflow_id, s.name, s.step_index, s.request_id, s.status, s.started_at, s.ended_at, "
      "s.escalated_at IS NOT NULL FROM " + from + " WHERE " + c.sql);
  bind_params(q, c.params);
  while (q.step()) {
    auto wf = workflow_names[q.get_int(0)];
    auto name = q.get_text(1);
    auto [it, fresh] = steps.try_emplace({wf, name});
    auto& st = it->second;
    std::int64_t index = q.get_int(2);
    if (fresh) {
      st.workflow = wf;
      st.step = name;
      st.first_index = index;
    }
    st.first_index = std::min(st.first_index, index);
    st.requests.push_back(q.get_int(3));
    st.instances += 1;
    auto status = q.get_text(4);
    std::int64_t started = q.get_int(5);
    std::optional<std::int64_t> ended = q.get_opt_int(6);
    if (q.get_int(7) != 0) st.escalations += 1;
    std::optional<std::int64_t> wait_end;
    if (status == "approved") st.approved += 1, wait_end = ended;
    else if (status == "rejected") st.rejected += 1, wait_end = ended;
    else if (status == "pending") st.pending += 1, wait_end = now;
    else if (status == "skipped") st.skipped += 1;
    else if (status == "cancelled") st.cancelled += 1;
    if (wait_end) {
      double h = static_cast<double>(std::max<std::int64_t>(0, *wait_end - started)) / static_cast<double>(kMillisPerHour);
      st.waits_hours.push_back(h);
      st.total_hours += h;
    }
  }

  // Steps in workflow order: by workflow name, then the step's first position, then its name.
  std::vector<StepStats*> order;
  std::map<std::string, double> workflow_total, workflow_max_share;
  for (auto& [k, st] : steps) {
    order.push_back(&st);
    workflow_total[st.workflow] += st.total_hours;
  }
  std::sort(order.begin(), order.end(), [](const StepStats* a, const StepStats* b) {
    if (a->workflow != b->workflow) return a->workflow < b->workflow;
    if (a->first_index != b->first_index) return a->first_index < b->first_index;
    return a->step < b->step;
  });
  auto share_of = [&](const StepStats& st) {
    return ratio(st.total_hours, workflow_total[st.workflow]);
  };
  for (auto* st : order) {
    auto s = share_of(*st);
    if (s) workflow_max_share[st->workflow] = std::max(workflow_max_share[st->workflow], *s);
  }

  Table t;
  t.add_column("workflow", ColumnType::Text);
  t.add_column("step", ColumnType::Text);
  for (const char* n : {"requests", "instances", "approved", "rejected", "skipped", "cancelled", "pending"})
    t.add_column(n, ColumnType::Int);
  t.add_column("reject_rate", ColumnType::Float);
  t.add_column("skip_rate", ColumnType::Float);
  t.add_column("escalations", ColumnType::Int);
  t.add_column("median_wait_hours", ColumnType::Float);
  t.add_column("p90_wait_hours", ColumnType::Float);
  t.add_column("total_wait_hours", ColumnType::Float);
  t.add_column("wait_share", ColumnType::Float);
  t.add_column("pure_delay", ColumnType::Bool);
  t.add_column("bottleneck", ColumnType::Bool);
  for (auto* st : order) {
    std::sort(st->requests.begin(), st->requests.end());
    auto distinct = std::unique(st->requests.begin(), st->requests.end()) - st->requests.begin();
    std::sort(st->waits_hours.begin(), st->waits_hours.end());
    std::optional<double> median, p90;
    if (!st->waits_hours.empty()) {
      median = quantile_sorted(st->waits_hours, 0.5);
      p90 = quantile_sorted(st->waits_hours, 0.9);
    }
    std::int64_t decided = st->approved + st->rejected;
    auto reject_rate = ratio(static_cast<double>(st->rejected), static_cast<double>(decided));
    auto skip_rate = ratio(static_cast<double>(st->skipped), static_cast<double>(st->instances));
    auto share = share_of(*st);
    bool pure_delay = decided >= th.min_decisions && reject_rate && *reject_rate < th.max_reject_rate && median &&
                      *median > th.min_median_wait_hours;
    bool bottleneck = share && *share > 0.0 && *share >= workflow_max_share[st->workflow] &&
                      *share >= th.bottleneck_share;
    std::size_t i = 0;
    t.column(i++).push_text(st->workflow);
    t.column(i++).push_text(st->step);
    t.column(i++).push_int(static_cast<std::int64_t>(distinct));
    t.column(i++).push_int(st->instances);
    t.column(i++).push_int(st->approved);
    t.column(i++).push_int(st->rejected);
    t.column(i++).push_int(st->skipped);
    t.column(i++).push_int(st->cancelled);
    t.column(i++).push_int(st->pending);
    t.column(i++).push_opt(reject_rate);
    t.column(i++).push_opt(skip_rate);
    t.column(i++).push_int(st->escalations);
    t.column(i++).push_opt(median);
    t.column(i++).push_opt(p90);
    t.column(i++).push_float(st->total_hours);
    t.column(i++).push_opt(share);
    t.column(i++).push_int(pure_delay ? 1 : 0);
    t.column(i++).push_int(bottleneck ? 1 : 0);
  }
  return t;
}

}  // namespace crmkit::workflow
