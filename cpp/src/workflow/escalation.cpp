// SLA escalation: a pending step whose due time has passed either decides by itself
// (auto_decision) or gets the escalation targets as extra approvers, whose decision then settles
// the step outright (see step_decision.hpp). Each step instance is escalated once.
#include "crmkit/error.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "engine_internal.h"

namespace crmkit::workflow {

using namespace internal;

Table Approvals::escalate_overdue() {
  db::Transaction tx(ctx_.db());
  if (!ctx_.who->is_system() && !ctx_.who->is_admin)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not run escalations (admins and the system only)");
  Table t;
  auto c_req = t.add_column("request_id", ColumnType::Int);
  auto c_step = t.add_column("step", ColumnType::Text);
  auto c_action = t.add_column("action", ColumnType::Text);
  auto c_users = t.add_column("users", ColumnType::TextList);
  for (auto [step_id, request_id] : overdue_steps(ctx_, ctx_.now())) {
    // An earlier escalation in this call may have settled this request already.
    ReqRow req = require_request(ctx_, request_id);
    if (req.status != RequestStatus::Pending || req.step_id != step_id) continue;
    auto def = load_definition(ctx_, req.definition);
    auto info = require_entity(ctx_, req.entity);
    auto rec = require_record(ctx_, info, req.entity_id);
    auto index = static_cast<std::size_t>(*req.step_index);
    const auto& step = def->steps.at(index);
    mark_escalated(ctx_, step_id, ctx_.now());
    std::string sla = step.sla_hours ? Value(*step.sla_hours).to_text() : "?";
    if (step.auto_decision) {
      Decision outcome = *step.auto_decision;
      close_assignments(ctx_, step_id);
      auto e = entry(req, "auto_" + std::string(verb(outcome)));
      e.step = step.name;
      e.record = key_fields(rec);
      e.detail = json{{"reason", "the SLA of " + sla + " hours passed; the step decides automatically as configured"}};
      append(ctx_, e);
      t.column(c_req).push_int(request_id);
      t.column(c_step).push_text(step.name);
      t.column(c_action).push_text(std::string(decided_text(outcome)));
      t.column(c_users).push_list({});
      Engine(ctx_, req, def, info).settle_step(step_id, index, outcome);
      continue;
    }
    auto routed = route_escalation(ctx_, step, rec.owner, req.submitter, assignees(ctx_, step_id));
    std::vector<std::string> logins;
    json to = json::array();
    for (const auto& a : routed.approvers) {
      add_assignee(ctx_, step_id, a.user_id, "escalated after " + sla + "h: " + a.reason, true);
      logins.push_back(a.login);
      to.push_back(json{{"user_id", a.user_id}, {"login", a.login}, {"reason", a.reason}});
    }
    auto e = entry(req, "escalate");
    e.step = step.name;
    e.record = key_fields(rec);
    json detail{{"to", to}, {"reason", "the SLA of " + sla + " hours passed"}};
    if (!routed.notes.empty()) detail["notes"] = routed.notes;
    e.detail = detail;
    append(ctx_, e);
    t.column(c_req).push_int(request_id);
    t.column(c_step).push_text(step.name);
    t.column(c_action).push_text("escalated");
    t.column(c_users).push_list(logins);
  }
  tx.commit();
  return t;
}

}  // namespace crmkit::workflow
