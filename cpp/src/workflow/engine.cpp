// The request state machine: steps run in order, each settles by its ballots, the request ends
// approved when no step is left and rejected when a step is rejected.
#include <cmath>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/workflow/step_decision.hpp"
#include "engine_internal.h"
#include "crmkit/pipeline/engine_side.hpp"

namespace crmkit::workflow::internal {

// ---- helpers shared by the public operations ----------------------------------------------------

EntityInfo require_entity(const Context& ctx, const std::string& entity) {
  auto info = entity_info(ctx, entity);
  if (!info) throw ValidationError("entity: unknown entity '" + entity + "' (use " + known_entities(ctx) + ")", "entity");
  return std::move(*info);
}

LoadedRecord require_record(const Context& ctx, const EntityInfo& info, std::int64_t id) {
  auto r = load_record(ctx, info, id);
  if (!r) throw NotFound(info.entity + " " + std::to_string(id) + " does not exist");
  return *r;
}

Context actor_context(const Context& ctx, std::optional<std::int64_t> by, const std::string& what) {
  Context a = pipeline::engine_side::acting(ctx, by);
  if (!a.actor())
    throw PermissionDenied("the system view cannot " + what + " without naming the acting user: pass by=<user>");
  return a;
}

json snapshot_of(const Definition& def, const LoadedRecord& r) {
  json j = key_fields(r);
  for (const auto& ra : def.reapprove_on) {
    auto it = r.values.find(ra.field);
    if (it != r.values.end()) j[ra.field] = to_json(it->second);
  }
  return j;
}

LedgerEntry entry(const ReqRow& req, const std::string& kind) {
  LedgerEntry e;
  e.kind = kind;
  e.request_id = req.id;
  e.workflow = req.workflow;
  e.workflow_version = req.workflow_version;
  e.entity = req.entity;
  e.entity_id = req.entity_id;
  e.round = req.round;
  return e;
}

std::optional<std::string> clean_comment(const std::optional<std::string>& comment) {
  if (!comment) return std::nullopt;
  return text::clean(*comment, "comment", text::kMaxLong, false);
}

// ---- the request state machine ------------------------------------------------------------------

const LoadedRecord& Engine::record() {
  if (!rec_) rec_ = require_record(ctx_, info_, req_.entity_id);
  return *rec_;
}

void Engine::act(const Action& a, const std::string& reason) {
  if (a.empty()) return;
  apply_action(ctx_, info_, req_.entity_id, a, reason, req_.workflow);
  rec_.reset();
}

void Engine::unlocked() {
  if (!rec_) return;
  auto it = rec_->values.find("locked");
  if (it != rec_->values.end()) it->second = rules::Value(std::int64_t{0});  // as SQL reads (x IS NOT NULL)
}

void Engine::run_from(std::size_t from) {
  const LoadedRecord rec = record();
  auto now = ctx_.now();
  for (std::size_t i = from; i < def_->steps.size(); ++i) {
    const auto& step = def_->steps[i];
    auto [runs, reason] = step_condition(step, rec, now);
    StepRow row{req_.id, req_.round, static_cast<std::int64_t>(i), step.name, step.mode, step.quorum, ""};
    if (!runs) {
      row.trace = json::array({json{{"note", "skipped: " + reason}}}).dump();
      insert_skipped_step(ctx_, row, now);
      auto e = entry(req_, "skip");
      e.step = step.name;
      e.record = key_fields(rec);
      e.detail = json{{"reason", reason}};
      append(ctx_, e);
      continue;
    }
    auto routed = route_step(ctx_, step, rec.owner, req_.submitter, now);
    json trace = json::array();
    json approvers = json::array();
    for (const auto& a : routed.approvers) {
      trace.push_back(json{{"user_id", a.user_id}, {"login", a.login}, {"reason", a.reason}});
      approvers.push_back(json{{"user_id", a.user_id}, {"login", a.login}, {"reason", a.reason}});
    }
    for (const auto& n : routed.notes) trace.push_back(json{{"note", n}});
    std::optional<std::int64_t> due;
    if (step.sla_hours) due = now + static_cast<std::int64_t>(std::llround(*step.sla_hours * kMillisPerHour));
    // The instance's quorum: what "all" needs is the approvers actually resolved.
    row.quorum = step.mode == StepMode::Quorum ? step.quorum
                 : step.mode == StepMode::All  ? static_cast<int>(routed.approvers.size())
                                               : 1;
    row.trace = trace.dump();
    std::int64_t step_id = insert_pending_step(ctx_, row, now, due);
    for (const auto& a : routed.approvers) add_assignee(ctx_, step_id, a.user_id, a.reason, false);
    req_.step_id = step_id;
    req_.step_name = step.name;
    req_.step_index = static_cast<std::int64_t>(i);
    update_request(ctx_, req_);
    lock_record(ctx_, req_.entity, req_.entity_id, req_.id, step.name);
    auto e = entry(req_, "step");
    e.step = step.name;
    e.record = key_fields(rec);
    json detail{{"approvers", approvers}, {"mode", std::string(to_string(step.mode))}, {"quorum", row.quorum}};
    if (!routed.notes.empty()) detail["notes"] = routed.notes;
    if (due) detail["due_at"] = format_timestamp(*due);
    e.detail = detail;
    append(ctx_, e);
    return;
  }
  finish(Decision::Approve, std::nullopt, rec);
}

void Engine::finish(Decision outcome, std::optional<std::size_t> step_index, const LoadedRecord& rec) {
  req_.status = request_status(outcome);
  req_.clear_step();
  req_.ended_at = ctx_.now();
  req_.snapshot = snapshot_of(*def_, rec).dump();
  update_request(ctx_, req_);
  unlock_record(ctx_, req_.entity, req_.entity_id);
  std::string status(to_string(req_.status));
  auto e = entry(req_, status);
  e.record = key_fields(rec);
  append(ctx_, e);
  std::string reason = "approval request " + std::to_string(req_.id) + " (" + req_.workflow + ") " + status;
  if (outcome == Decision::Approve) {
    act(def_->on_approve, reason);
  } else {
    if (step_index) act(def_->steps.at(*step_index).on_reject, reason);
    act(def_->on_reject, reason);
  }
}

void Engine::settle_step(std::int64_t step_id, std::size_t index, std::optional<Decision> forced) {
  const auto& step = def_->steps.at(index);
  std::optional<Decision> outcome = forced;
  if (!outcome) {
    auto t = tally(ctx_, step_id);
    switch (decide_step(t.mode, t.quorum, t.ballots)) {
      case StepOutcome::Pending: return;
      case StepOutcome::Approved: outcome = Decision::Approve; break;
      case StepOutcome::Rejected: outcome = Decision::Reject; break;
    }
  }
  end_step(ctx_, step_id, step_status(*outcome), ctx_.now());
  if (*outcome == Decision::Approve) {
    // Between two steps the record is held by no step: the step's own action changes it with the
    // engine's rights, and the next step (or the end of the request) takes the lock again.
    // Without an action the record stays locked into the next step (or the end), which writes
    // the lock again: one UPDATE of the record fewer per decision. Conditions of the next steps
    // still see the record as between steps: not locked.
    unlocked();
    if (!step.on_approve.empty()) {
      unlock_record(ctx_, req_.entity, req_.entity_id);
      std::string reason = "step '" + step.name + "' of approval request " + std::to_string(req_.id) + " approved";
      act(step.on_approve, reason);
    }
    run_from(index + 1);
  } else {
    const LoadedRecord rec = record();
    finish(Decision::Reject, index, rec);
  }
}

ReqRow start_request(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const LoadedRecord& rec,
                     const WorkflowRow& wf, std::optional<std::int64_t> submitter,
                     const std::optional<std::string>& comment, const std::string& how) {
  if (auto p = pending_on(ctx, info.entity, entity_id))
    throw Conflict(info.entity + " " + std::to_string(entity_id) + " already has a pending approval request (" +
                   std::to_string(*p) + "); wait for it to end or recall it");
  ReqRow req = insert_request(ctx, wf.id, wf.def->name, wf.version, info.entity, entity_id, submitter,
                              snapshot_of(*wf.def, rec).dump());
  auto e = entry(req, "submit");
  e.actor_id = submitter;
  e.comment = comment;
  e.record = key_fields(rec);
  e.detail = json{{"trigger", how}};
  append(ctx, e);
  Engine engine(ctx, req, wf.def, info);
  engine.knows(rec);
  engine.run_from(0);
  log::logger().debug("approvals.submit request={} workflow={} {}={}", req.id, req.workflow, info.entity, entity_id);
  return req;
}

}  // namespace crmkit::workflow::internal
