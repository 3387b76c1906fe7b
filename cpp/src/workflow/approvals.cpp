// The approval engine: requests, rounds, steps, decisions, delegation, SLAs, and the change observer.
#include "crmkit/workflow/approvals.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "crmkit/customers/customers.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/text.hpp"
#include "pipeline/pipeline_internal.h"
#include "workflow_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace {

struct ReqRow {
  std::int64_t id = 0;
  std::string workflow;
  std::int64_t workflow_version = 1;
  std::int64_t workflow_id = 0;
  std::string definition;
  std::string entity;
  std::int64_t entity_id = 0;
  std::optional<std::int64_t> submitter;
  std::string status;
  std::int64_t round = 1;
  std::optional<std::int64_t> step_id;
  std::optional<std::string> step_name;
  std::optional<std::int64_t> step_index;
  std::string snapshot;
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> ended_at;
  std::int64_t version = 1;

  Request to_request() const {
    Request r;
    r.id = id;
    r.workflow = workflow;
    r.workflow_version = workflow_version;
    r.entity = entity;
    r.entity_id = entity_id;
    r.submitter_id = submitter;
    r.status = status;
    r.current_step = step_name;
    r.round = round;
    r.created_at = Timestamp{created_at};
    r.updated_at = Timestamp{updated_at};
    if (ended_at) r.ended_at = Timestamp{*ended_at};
    r.version = version;
    return r;
  }
};

std::optional<ReqRow> load_request(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare(
      "SELECT r.id, w.name, w.version, r.workflow_id, w.definition, r.entity, r.entity_id, r.submitter_id, r.status, "
      "r.round, r.current_step_id, s.name, s.step_index, r.snapshot, r.created_at, r.updated_at, r.ended_at, r.version "
      "FROM approval_requests r JOIN workflows w ON w.id = r.workflow_id "
      "LEFT JOIN approval_steps s ON s.id = r.current_step_id WHERE r.id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  ReqRow r;
  r.id = q.get_int(0);
  r.workflow = q.get_text(1);
  r.workflow_version = q.get_int(2);
  r.workflow_id = q.get_int(3);
  r.definition = q.get_text(4);
  r.entity = q.get_text(5);
  r.entity_id = q.get_int(6);
  r.submitter = q.get_opt_int(7);
  r.status = q.get_text(8);
  r.round = q.get_int(9);
  r.step_id = q.get_opt_int(10);
  r.step_name = q.get_opt_text(11);
  r.step_index = q.get_opt_int(12);
  r.snapshot = q.get_text(13);
  r.created_at = q.get_int(14);
  r.updated_at = q.get_int(15);
  r.ended_at = q.get_opt_int(16);
  r.version = q.get_int(17);
  return r;
}

ReqRow require_request(const Context& ctx, std::int64_t id) {
  auto r = load_request(ctx, id);
  if (!r) throw NotFound("approval request " + std::to_string(id) + " does not exist");
  return *r;
}

EntityInfo require_entity(const Context& ctx, const std::string& entity) {
  auto info = entity_info(ctx, entity);
  if (!info) throw ValidationError("entity: unknown entity '" + entity + "' (use " + known_entities(ctx) + ")", "entity");
  return *info;
}

LoadedRecord require_record(const Context& ctx, const EntityInfo& info, std::int64_t id) {
  auto r = load_record(ctx, info, id);
  if (!r) throw NotFound(info.entity + " " + std::to_string(id) + " does not exist");
  return *r;
}

// The acting user: a scoped view's own user, or `by` on the system view (required there).
Context actor_context(const Context& ctx, std::optional<std::int64_t> by, const std::string& what) {
  Context a = pipeline::internal::acting(ctx, by);
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

std::optional<std::int64_t> pending_on(const Context& ctx, const std::string& entity, std::int64_t id) {
  auto q = ctx.db().prepare(
      "SELECT id FROM approval_requests WHERE entity = ? AND entity_id = ? AND status = 'pending' LIMIT 1");
  q.bind_all(entity, id);
  if (q.step()) return q.get_int(0);
  return std::nullopt;
}

void update_request(const Context& ctx, ReqRow& req) {
  req.updated_at = ctx.now();
  ++req.version;
  ctx.db()
      .prepare("UPDATE approval_requests SET status=?, round=?, current_step_id=?, snapshot=?, updated_at=?, "
               "ended_at=?, version=? WHERE id=?")
      .bind_all(req.status, req.round, req.step_id, req.snapshot, req.updated_at, req.ended_at, req.version, req.id)
      .exec();
}

// ---- actions ------------------------------------------------------------------------------------

// The workflow whose request is ending while its actions run (per thread). A stage moved by an
// approved request's own action must not start that same workflow again: the request that just
// ended covered it (a resubmitted initiation approved from 初步接洽 would otherwise re-lock the
// deal on entering 需求确认).
thread_local const std::string* acting_workflow = nullptr;

struct ActingWorkflow {
  explicit ActingWorkflow(const std::string& name) : previous(acting_workflow) { acting_workflow = &name; }
  ~ActingWorkflow() { acting_workflow = previous; }
  const std::string* previous;
};

void apply_action(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const Action& a,
                  const std::string& reason, const std::string& workflow) {
  if (a.empty()) return;
  ActingWorkflow acting(workflow);
  Context wide = pipeline::internal::elevated(ctx);
  auto observer = change_observer();
  if (info.entity == "customer") {
    customers::Customers svc(wide);
    if (a.stage) svc.set_stage(entity_id, *a.stage, reason);
    if (!a.set.empty()) {
      customers::CustomerInput in;
      auto defs = schema::Fields(ctx).of("customer");
      for (const auto& [k, v] : a.set) (defs.find(k) ? in.fields : in.attrs)[k] = v;
      svc.update(entity_id, in);
    }
    return;
  }
  std::int64_t opp_id = entity_id;
  if (info.is_document) {
    auto d = pipeline::internal::load_document(ctx, entity_id);
    if (!d) throw NotFound(info.entity + " " + std::to_string(entity_id) + " does not exist");
    opp_id = d->opportunity_id;
    if (!a.set.empty()) {
      pipeline::DocumentInput in;
      for (const auto& [k, v] : a.set) {
        if (k == "title" || k == "amount" || k == "discount")
          in.attrs[k] = v;
        else
          in.fields[k] = v;
      }
      pipeline::internal::engine_update_document(wide, entity_id, in, reason, observer);
    }
  } else if (!a.set.empty()) {
    pipeline::OpportunityInput in;
    auto defs = schema::Fields(ctx).of("opportunity");
    for (const auto& [k, v] : a.set) (defs.find(k) ? in.fields : in.attrs)[k] = v;
    pipeline::internal::engine_update(wide, opp_id, in, reason, observer);
  }
  if (a.stage) {
    pipeline::internal::engine_move_stage(wide, opp_id, *a.stage, reason, observer);
  } else if (a.advance) {
    auto opp = pipeline::internal::load_opportunity(ctx, opp_id);
    if (!opp) throw NotFound("opportunity " + std::to_string(opp_id) + " does not exist");
    auto stages = schema::Stages(ctx, "pipeline").names();
    auto it = std::find(stages.begin(), stages.end(), opp->stage);
    if (it != stages.end() && it + 1 != stages.end())
      pipeline::internal::engine_move_stage(wide, opp_id, *(it + 1), reason, observer);
  }
}

// ---- the request state machine -------------------------------------------------------------------

class Engine {
 public:
  Engine(const Context& ctx, ReqRow& req, std::shared_ptr<const Definition> def, EntityInfo info)
      : ctx_(ctx), req_(req), def_(std::move(def)), info_(std::move(info)) {}

  LoadedRecord record() { return require_record(ctx_, info_, req_.entity_id); }

  // Runs the steps from `from`: skips those whose condition is false, starts the first that runs,
  // or ends the request approved when none is left.
  void run_from(std::size_t from) {
    auto rec = record();
    auto now = ctx_.now();
    for (std::size_t i = from; i < def_->steps.size(); ++i) {
      const auto& step = def_->steps[i];
      auto [runs, reason] = step_condition(step, rec, now);
      if (!runs) {
        json trace = json::array({json{{"note", "skipped: " + reason}}});
        ctx_.db()
            .prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, started_at, "
                     "ended_at, trace) VALUES (?,?,?,?,?,?,'skipped',?,?,?)")
            .bind_all(req_.id, req_.round, static_cast<std::int64_t>(i), step.name, step.mode, step.quorum, now, now,
                      trace.dump())
            .exec();
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
      Value due = step.sla_hours ? Value(now + static_cast<std::int64_t>(std::llround(*step.sla_hours * kMillisPerHour)))
                                 : Value();
      int quorum = step.mode == "quorum" ? step.quorum : step.mode == "all" ? static_cast<int>(routed.approvers.size()) : 1;
      ctx_.db()
          .prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, started_at, "
                   "due_at, trace) VALUES (?,?,?,?,?,?,'pending',?,?,?)")
          .bind_all(req_.id, req_.round, static_cast<std::int64_t>(i), step.name, step.mode, quorum, now, due,
                    trace.dump())
          .exec();
      std::int64_t step_id = ctx_.db().last_insert_rowid();
      auto ins = ctx_.db().prepare("INSERT INTO approval_assignees(step_id, user_id, reason) VALUES (?,?,?)");
      for (const auto& a : routed.approvers) {
        ins.bind_all(step_id, a.user_id, a.reason);
        ins.exec();
        ins.reset();
      }
      req_.step_id = step_id;
      req_.step_name = step.name;
      req_.step_index = static_cast<std::int64_t>(i);
      update_request(ctx_, req_);
      auto e = entry(req_, "step");
      e.step = step.name;
      e.record = key_fields(rec);
      json detail{{"approvers", approvers}, {"mode", step.mode}, {"quorum", quorum}};
      if (!routed.notes.empty()) detail["notes"] = routed.notes;
      if (!due.is_null()) detail["due_at"] = format_timestamp(due.as<std::int64_t>());
      e.detail = detail;
      append(ctx_, e);
      return;
    }
    finish("approved", std::nullopt, rec);
  }

  // Ends the request. Unlocks first, so that the actions (which may start further approvals)
  // see the record free.
  void finish(const std::string& status, std::optional<std::int64_t> step_index, const LoadedRecord& rec) {
    req_.status = status;
    req_.step_id.reset();
    req_.step_name.reset();
    req_.step_index.reset();
    req_.ended_at = ctx_.now();
    req_.snapshot = snapshot_of(*def_, rec).dump();
    update_request(ctx_, req_);
    pipeline::internal::set_lock(ctx_, req_.entity, req_.entity_id, std::nullopt);
    auto e = entry(req_, status);
    e.record = key_fields(rec);
    append(ctx_, e);
    std::string reason = "approval request " + std::to_string(req_.id) + " (" + req_.workflow + ") " + status;
    if (status == "approved") {
      apply_action(ctx_, info_, req_.entity_id, def_->on_approve, reason, req_.workflow);
    } else if (status == "rejected") {
      if (step_index)
        apply_action(ctx_, info_, req_.entity_id, def_->steps.at(*step_index).on_reject, reason, req_.workflow);
      apply_action(ctx_, info_, req_.entity_id, def_->on_reject, reason, req_.workflow);
    }
  }

  // After a decision (or an automatic one): ends the step when its mode says so.
  void settle_step(std::int64_t step_id, std::size_t index, std::optional<std::string> forced) {
    const auto& step = def_->steps.at(index);
    std::string outcome;
    if (forced) {
      outcome = *forced;
    } else {
      auto q = ctx_.db().prepare(
          "SELECT count(*), sum(decision = 'approved'), sum(decision = 'rejected'), "
          "sum(decision = 'approved' AND reason LIKE 'escalated%'), sum(decision = 'rejected' AND reason LIKE "
          "'escalated%') FROM approval_assignees WHERE step_id = ?");
      q.bind_all(step_id);
      q.step();
      std::int64_t total = q.get_int(0), yes = q.get_int(1), no = q.get_int(2);
      std::int64_t esc_yes = q.get_int(3), esc_no = q.get_int(4);
      auto qs = ctx_.db().prepare("SELECT quorum FROM approval_steps WHERE id = ?");
      qs.bind_all(step_id);
      qs.step();
      std::int64_t quorum = qs.get_int(0);
      if (esc_no > 0)
        outcome = "rejected";
      else if (esc_yes > 0)
        outcome = "approved";
      else if (step.mode == "any")
        outcome = yes > 0 ? "approved" : no > 0 ? "rejected" : "";
      else if (step.mode == "all")
        outcome = no > 0 ? "rejected" : yes >= quorum ? "approved" : "";
      else
        outcome = yes >= quorum ? "approved" : (total - no) < quorum ? "rejected" : "";
    }
    if (outcome.empty()) return;
    ctx_.db()
        .prepare("UPDATE approval_steps SET status = ?, ended_at = ? WHERE id = ?")
        .bind_all(outcome, ctx_.now(), step_id)
        .exec();
    ctx_.db().prepare("UPDATE approval_assignees SET open = 0 WHERE step_id = ? AND open = 1").bind_all(step_id).exec();
    if (outcome == "approved") {
      std::string reason = "step '" + step.name + "' of approval request " + std::to_string(req_.id) + " approved";
      apply_action(ctx_, info_, req_.entity_id, step.on_approve, reason, req_.workflow);
      run_from(index + 1);
    } else {
      finish("rejected", index, record());
    }
  }

 private:
  const Context& ctx_;
  ReqRow& req_;
  std::shared_ptr<const Definition> def_;
  EntityInfo info_;
};

struct WorkflowRow {
  std::int64_t id = 0;
  std::int64_t version = 0;
  std::shared_ptr<const Definition> def;
};

std::optional<WorkflowRow> current_workflow(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare("SELECT id, version, definition, active FROM workflows WHERE name = ? AND current = 1");
  q.bind_all(name);
  if (!q.step()) return std::nullopt;
  if (!q.get_int(3)) throw WorkflowError("workflow '" + name + "' is deactivated; define it again to use it");
  return WorkflowRow{q.get_int(0), q.get_int(1), load_definition(ctx, q.get_text(2))};
}

// Creates a request and starts its first step. The caller has checked permissions.
ReqRow start_request(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const LoadedRecord& rec,
                     const WorkflowRow& wf, std::optional<std::int64_t> submitter,
                     const std::optional<std::string>& comment, const std::string& how) {
  if (auto p = pending_on(ctx, info.entity, entity_id))
    throw Conflict(info.entity + " " + std::to_string(entity_id) + " already has a pending approval request (" +
                   std::to_string(*p) + "); wait for it to end or recall it");
  auto now = ctx.now();
  ctx.db()
      .prepare("INSERT INTO approval_requests(workflow_id, entity, entity_id, submitter_id, status, round, snapshot, "
               "created_at, updated_at) VALUES (?,?,?,?,'pending',1,?,?,?)")
      .bind_all(wf.id, info.entity, entity_id, submitter, snapshot_of(*wf.def, rec).dump(), now, now)
      .exec();
  ReqRow req;
  req.id = ctx.db().last_insert_rowid();
  req.workflow = wf.def->name;
  req.workflow_version = wf.version;
  req.workflow_id = wf.id;
  req.entity = info.entity;
  req.entity_id = entity_id;
  req.submitter = submitter;
  req.status = "pending";
  req.snapshot = snapshot_of(*wf.def, rec).dump();
  req.created_at = req.updated_at = now;
  pipeline::internal::set_lock(ctx, info.entity, entity_id, req.id);
  auto e = entry(req, "submit");
  e.actor_id = submitter;
  e.comment = comment;
  e.record = key_fields(rec);
  e.detail = json{{"trigger", how}};
  append(ctx, e);
  Engine(ctx, req, wf.def, info).run_from(0);
  log::logger().debug("approvals.submit request={} workflow={} {}={}", req.id, req.workflow, info.entity, entity_id);
  return req;
}

std::vector<std::int64_t> delegators_of(const Context& ctx, std::int64_t user, std::int64_t now) {
  std::vector<std::int64_t> out;
  std::vector<std::int64_t> frontier{user};
  std::set<std::int64_t> seen{user};
  auto q = ctx.db().prepare(
      "SELECT delegator_id FROM delegations WHERE delegate_id = ? AND start_at <= ? AND end_at > ? AND revoked_at IS NULL");
  while (!frontier.empty()) {
    auto u = frontier.back();
    frontier.pop_back();
    q.bind_all(u, now, now);
    while (q.step()) {
      auto d = q.get_int(0);
      if (seen.insert(d).second) {
        out.push_back(d);
        frontier.push_back(d);
      }
    }
    q.reset();
  }
  return out;
}

bool may_read(const Context& ctx, const ReqRow& req) {
  if (ctx.who->is_system() || ctx.who->is_admin) return true;
  auto me = *ctx.who->user_id;
  if (req.submitter == me) return true;
  auto q = ctx.db().prepare(
      "SELECT 1 FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id WHERE s.request_id = ? AND "
      "(a.user_id = ? OR a.acted_by = ?) LIMIT 1");
  q.bind_all(req.id, me, me);
  if (q.step()) return true;
  for (auto d : delegators_of(ctx, me, ctx.now())) {
    auto q2 = ctx.db().prepare(
        "SELECT 1 FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id WHERE s.request_id = ? AND "
        "a.user_id = ? LIMIT 1");
    q2.bind_all(req.id, d);
    if (q2.step()) return true;
  }
  auto info = entity_info(ctx, req.entity);
  if (!info) return false;
  auto rec = load_record(ctx, *info, req.entity_id);
  return rec && ctx.who->covers(info->scope, rec->owner);
}

Request decide(const Context& base, std::int64_t id, std::optional<std::int64_t> by, const std::string& decision,
               const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  const bool approve = decision == "approved";
  std::optional<std::string> note;
  if (comment) note = text::clean(*comment, "comment", text::kMaxLong, false);
  db::Transaction tx(base.db());
  Context ctx = actor_context(base, by, approve ? "approve" : "reject");
  std::int64_t me = *ctx.actor();
  ReqRow req = require_request(ctx, id);
  if (req.status != "pending")
    throw Conflict("approval request " + std::to_string(id) + " is already " + req.status +
                   "; a decision is only possible while it is pending");
  if (step && *step != req.step_name.value_or(""))
    throw Conflict("step '" + *step + "' of approval request " + std::to_string(id) +
                   " is no longer current (the request is at step '" + req.step_name.value_or("") +
                   "'); the decision was not recorded");
  if (req.submitter == me)
    throw PermissionDenied("user '" + ctx.who->login + "' submitted approval request " + std::to_string(id) +
                           ": nobody approves their own request");
  // The assignment acted on: the user's own, else one of a user who delegated to them.
  std::optional<std::int64_t> assignee;
  std::optional<std::string> own_decision;
  bool own_row = false;
  {
    auto q = ctx.db().prepare("SELECT open, decision FROM approval_assignees WHERE step_id = ? AND user_id = ?");
    q.bind_all(*req.step_id, me);
    if (q.step()) {
      own_row = true;
      own_decision = q.get_opt_text(1);
      if (q.get_int(0)) assignee = me;
    }
  }
  if (!assignee) {
    auto q = ctx.db().prepare("SELECT 1 FROM approval_assignees WHERE step_id = ? AND user_id = ? AND open = 1");
    for (auto d : delegators_of(ctx, me, ctx.now())) {
      q.bind_all(*req.step_id, d);
      bool open = q.step();
      q.reset();
      if (open && req.submitter != d) {
        assignee = d;
        break;
      }
    }
  }
  if (!assignee) {
    if (own_row && own_decision)
      throw Conflict("user '" + ctx.who->login + "' already " + *own_decision + " step '" + *req.step_name +
                     "' of approval request " + std::to_string(id) + " (round " + std::to_string(req.round) +
                     "); each approver acts once per step");
    auto prior = ctx.db().prepare(
        "SELECT s.name, s.status FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id "
        "WHERE s.request_id = ? AND s.round = ? AND (a.user_id = ? OR a.acted_by = ?) AND s.id <> ? "
        "ORDER BY s.id DESC LIMIT 1");
    prior.bind_all(id, req.round, me, me, *req.step_id);
    if (prior.step())
      throw Conflict("step '" + prior.get_text(0) + "' of approval request " + std::to_string(id) + " was already " +
                     prior.get_text(1) + " and is no longer current (the request is now at step '" + *req.step_name +
                     "'); the decision was not recorded");
    std::string approvers;
    auto who = ctx.db().prepare(
        "SELECT u.login FROM approval_assignees a JOIN users u ON u.id = a.user_id WHERE a.step_id = ? ORDER BY u.id");
    who.bind_all(*req.step_id);
    while (who.step()) approvers += (approvers.empty() ? "" : ", ") + who.get_text(0);
    throw PermissionDenied("user '" + ctx.who->login + "' is not an approver of step '" + *req.step_name +
                           "' of approval request " + std::to_string(id) + " and acts for nobody who is (approvers: " +
                           approvers + ")");
  }
  ctx.db()
      .prepare("UPDATE approval_assignees SET open = 0, decision = ?, acted_by = ?, decided_at = ?, comment = ? "
               "WHERE step_id = ? AND user_id = ?")
      .bind_all(decision, me, ctx.now(), note, *req.step_id, *assignee)
      .exec();
  auto def = load_definition(ctx, req.definition);
  auto info = require_entity(ctx, req.entity);
  auto rec = require_record(ctx, info, req.entity_id);
  auto e = entry(req, approve ? "approve" : "reject");
  e.step = req.step_name;
  e.actor_id = me;
  if (*assignee != me) e.on_behalf_of = *assignee;
  e.comment = note;
  e.record = key_fields(rec);
  append(ctx, e);
  std::int64_t step_id = *req.step_id;
  auto index = static_cast<std::size_t>(*req.step_index);
  Engine(ctx, req, def, info).settle_step(step_id, index, std::nullopt);
  tx.commit();
  return require_request(base, id).to_request();
}

}  // namespace

// ---- the public service ---------------------------------------------------------------------------

Request Approvals::submit(const std::string& entity, std::int64_t entity_id, const std::optional<std::string>& workflow,
                          std::optional<std::int64_t> by, const std::optional<std::string>& comment) {
  std::optional<std::string> note;
  if (comment) note = text::clean(*comment, "comment", text::kMaxLong, false);
  db::Transaction tx(ctx_.db());
  Context ctx = actor_context(ctx_, by, "submit");
  auto info = require_entity(ctx, text::trim(entity));
  auto rec = require_record(ctx, info, entity_id);
  if (!ctx.who->covers(info.scope, rec.owner))
    throw PermissionDenied("user '" + ctx.who->login + "' may not submit " + info.entity + " " +
                           std::to_string(entity_id) + " for approval: it is outside the user's " + info.scope +
                           " scope");
  std::optional<WorkflowRow> wf;
  if (workflow) {
    wf = current_workflow(ctx, text::trim(*workflow));
    if (!wf) throw NotFound("workflow '" + *workflow + "' does not exist");
    if (wf->def->entity != info.entity)
      throw WorkflowError("workflow '" + *workflow + "' is for " + wf->def->entity + " records, not " + info.entity);
  } else {
    auto q = ctx.db().prepare(
        "SELECT name FROM workflows WHERE entity = ? AND trigger_on = 'submit' AND current = 1 AND active = 1 ORDER BY id");
    q.bind_all(info.entity);
    std::vector<std::string> names;
    while (q.step()) names.push_back(q.get_text(0));
    std::vector<WorkflowRow> matching;
    for (const auto& n : names) {
      auto w = current_workflow(ctx, n);
      if (w && workflow_condition(*w->def, rec, ctx.now()).first) matching.push_back(*w);
    }
    if (matching.empty())
      throw WorkflowError("no active submit workflow for " + info.entity + " applies to " + info.entity + " " +
                          std::to_string(entity_id) + "; name one with workflow=");
    if (matching.size() > 1)
      throw WorkflowError("several submit workflows apply to " + info.entity + " " + std::to_string(entity_id) + " ('" +
                          matching[0].def->name + "', '" + matching[1].def->name + "'); name one with workflow=");
    wf = matching.front();
  }
  auto [applies, why] = workflow_condition(*wf->def, rec, ctx.now());
  if (!applies)
    throw WorkflowError("workflow '" + wf->def->name + "' does not apply to " + info.entity + " " +
                        std::to_string(entity_id) + ": " + why);
  auto req = start_request(ctx, info, entity_id, rec, *wf, ctx.actor(), note, "submit");
  tx.commit();
  return require_request(ctx_, req.id).to_request();
}

Request Approvals::approve(std::int64_t request_id, std::optional<std::int64_t> by,
                           const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  return decide(ctx_, request_id, by, "approved", comment, step);
}

Request Approvals::reject(std::int64_t request_id, std::optional<std::int64_t> by,
                          const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  return decide(ctx_, request_id, by, "rejected", comment, step);
}

std::vector<BatchResult> Approvals::approve_many(const std::vector<std::int64_t>& ids, std::optional<std::int64_t> by,
                                                 const std::optional<std::string>& comment) {
  std::vector<BatchResult> out;
  out.reserve(ids.size());
  for (auto id : ids) {
    BatchResult r;
    r.request_id = id;
    try {
      auto req = decide(ctx_, id, by, "approved", comment, std::nullopt);
      r.ok = true;
      r.status = req.status;
      r.current_step = req.current_step;
    } catch (const NotFound& e) {
      r.error = "NotFound", r.message = e.what();
    } catch (const PermissionDenied& e) {
      r.error = "PermissionDenied", r.message = e.what();
    } catch (const Conflict& e) {
      r.error = "Conflict", r.message = e.what();
    } catch (const WorkflowError& e) {
      r.error = "WorkflowError", r.message = e.what();
    } catch (const ValidationError& e) {
      r.error = "ValidationError", r.message = e.what();
    } catch (const StorageError&) {
      throw;  // the database itself failed: stop rather than report the same failure for every id
    } catch (const Error& e) {
      r.error = "Error", r.message = e.what();
    }
    out.push_back(std::move(r));
  }
  return out;
}

Request Approvals::recall(std::int64_t request_id, std::optional<std::int64_t> by,
                          const std::optional<std::string>& comment) {
  std::optional<std::string> note;
  if (comment) note = text::clean(*comment, "comment", text::kMaxLong, false);
  db::Transaction tx(ctx_.db());
  Context ctx = actor_context(ctx_, by, "recall");
  ReqRow req = require_request(ctx, request_id);
  if (req.submitter != ctx.actor())
    throw PermissionDenied("only the submitter (" + (req.submitter ? user_login(ctx, *req.submitter) : "the system") +
                           ") may recall approval request " + std::to_string(request_id));
  if (req.status != "pending")
    throw WorkflowError("approval request " + std::to_string(request_id) + " is " + req.status +
                        "; only a pending request can be recalled");
  auto info = require_entity(ctx, req.entity);
  auto rec = require_record(ctx, info, req.entity_id);
  auto step_name = req.step_name;
  if (req.step_id) {
    ctx.db()
        .prepare("UPDATE approval_steps SET status = 'cancelled', ended_at = ? WHERE id = ?")
        .bind_all(ctx.now(), *req.step_id)
        .exec();
    ctx.db().prepare("UPDATE approval_assignees SET open = 0 WHERE step_id = ?").bind_all(*req.step_id).exec();
  }
  req.status = "recalled";
  req.step_id.reset();
  req.step_name.reset();
  req.step_index.reset();
  req.ended_at = ctx.now();
  update_request(ctx, req);
  pipeline::internal::set_lock(ctx, req.entity, req.entity_id, std::nullopt);
  auto e = entry(req, "recall");
  e.step = step_name;
  e.actor_id = ctx.actor();
  e.comment = note;
  e.record = key_fields(rec);
  append(ctx, e);
  tx.commit();
  return require_request(ctx_, request_id).to_request();
}

Request Approvals::resubmit(std::int64_t request_id, std::optional<std::int64_t> by,
                            const std::optional<std::string>& comment) {
  std::optional<std::string> note;
  if (comment) note = text::clean(*comment, "comment", text::kMaxLong, false);
  db::Transaction tx(ctx_.db());
  Context ctx = actor_context(ctx_, by, "resubmit");
  ReqRow req = require_request(ctx, request_id);
  if (req.submitter != ctx.actor())
    throw PermissionDenied("only the submitter (" + (req.submitter ? user_login(ctx, *req.submitter) : "the system") +
                           ") may resubmit approval request " + std::to_string(request_id));
  if (req.status == "approved")
    throw WorkflowError("approval request " + std::to_string(request_id) +
                        " was approved; there is nothing to resubmit (a change across its reapprove_on thresholds "
                        "starts a new round by itself)");
  if (req.status == "pending")
    throw WorkflowError("approval request " + std::to_string(request_id) + " is still pending at step '" +
                        req.step_name.value_or("") + "'; recall it before resubmitting");
  if (auto p = pending_on(ctx, req.entity, req.entity_id))
    throw Conflict(req.entity + " " + std::to_string(req.entity_id) + " has another pending approval request (" +
                   std::to_string(*p) + ")");
  auto def = load_definition(ctx, req.definition);
  auto info = require_entity(ctx, req.entity);
  auto rec = require_record(ctx, info, req.entity_id);
  auto [applies, why] = workflow_condition(*def, rec, ctx.now());
  if (!applies)
    throw WorkflowError("workflow '" + def->name + "' no longer applies to " + req.entity + " " +
                        std::to_string(req.entity_id) + ": " + why);
  req.status = "pending";
  req.round += 1;
  req.ended_at.reset();
  req.snapshot = snapshot_of(*def, rec).dump();
  update_request(ctx, req);
  pipeline::internal::set_lock(ctx, req.entity, req.entity_id, req.id);
  auto e = entry(req, "resubmit");
  e.actor_id = ctx.actor();
  e.comment = note;
  e.record = key_fields(rec);
  append(ctx, e);
  Engine(ctx, req, def, info).run_from(0);
  tx.commit();
  return require_request(ctx_, request_id).to_request();
}

Request Approvals::get(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  auto req = require_request(ctx_, request_id);
  if (!may_read(ctx_, req))
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read approval request " +
                           std::to_string(request_id));
  return req.to_request();
}

Table Approvals::history(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  auto req = require_request(ctx_, request_id);
  if (!may_read(ctx_, req))
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read approval request " +
                           std::to_string(request_id));
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_at = t.add_column("at", ColumnType::Time);
  auto c_kind = t.add_column("kind", ColumnType::Text);
  auto c_step = t.add_column("step", ColumnType::Text);
  auto c_round = t.add_column("round", ColumnType::Int);
  auto c_actor_id = t.add_column("actor_id", ColumnType::Int);
  auto c_actor = t.add_column("actor", ColumnType::Text);
  auto c_behalf = t.add_column("on_behalf_of", ColumnType::Int);
  auto c_comment = t.add_column("comment", ColumnType::Text);
  auto c_record = t.add_column("record", ColumnType::Text);
  auto c_detail = t.add_column("detail", ColumnType::Text);
  auto q = ctx_.db().prepare(
      "SELECT l.id, l.at, l.kind, l.step, l.round, l.actor_id, u.login, l.on_behalf_of, l.comment, l.record, l.detail "
      "FROM approval_ledger l LEFT JOIN users u ON u.id = l.actor_id WHERE l.request_id = ? ORDER BY l.id");
  q.bind_all(request_id);
  while (q.step()) {
    t.column(c_id).push_int(q.get_int(0));
    t.column(c_at).push_int(q.get_int(1));
    t.column(c_kind).push_text(q.get_text(2));
    t.column(c_step).push_opt(q.get_opt_text(3));
    t.column(c_round).push_opt(q.get_opt_int(4));
    t.column(c_actor_id).push_opt(q.get_opt_int(5));
    t.column(c_actor).push_text(q.is_null(5) ? "system" : q.get_text(6));
    t.column(c_behalf).push_opt(q.get_opt_int(7));
    t.column(c_comment).push_opt(q.get_opt_text(8));
    t.column(c_record).push_opt(q.get_opt_text(9));
    t.column(c_detail).push_opt(q.get_opt_text(10));
  }
  return t;
}

Table Approvals::steps(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  auto req = require_request(ctx_, request_id);
  if (!may_read(ctx_, req))
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read approval request " +
                           std::to_string(request_id));
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_round = t.add_column("round", ColumnType::Int);
  auto c_index = t.add_column("step_index", ColumnType::Int);
  auto c_name = t.add_column("name", ColumnType::Text);
  auto c_mode = t.add_column("mode", ColumnType::Text);
  auto c_quorum = t.add_column("quorum", ColumnType::Int);
  auto c_status = t.add_column("status", ColumnType::Text);
  auto c_started = t.add_column("started_at", ColumnType::Time);
  auto c_due = t.add_column("due_at", ColumnType::Time);
  auto c_esc = t.add_column("escalated_at", ColumnType::Time);
  auto c_ended = t.add_column("ended_at", ColumnType::Time);
  auto c_approvers = t.add_column("approvers", ColumnType::TextList);
  auto c_trace = t.add_column("trace", ColumnType::Text);
  auto q = ctx_.db().prepare(
      "SELECT s.id, s.round, s.step_index, s.name, s.mode, s.quorum, s.status, s.started_at, s.due_at, s.escalated_at, "
      "s.ended_at, s.trace, (SELECT json_group_array(u.login) FROM approval_assignees a JOIN users u ON u.id = "
      "a.user_id WHERE a.step_id = s.id) FROM approval_steps s WHERE s.request_id = ? ORDER BY s.id");
  q.bind_all(request_id);
  while (q.step()) {
    t.column(c_id).push_int(q.get_int(0));
    t.column(c_round).push_int(q.get_int(1));
    t.column(c_index).push_int(q.get_int(2));
    t.column(c_name).push_text(q.get_text(3));
    t.column(c_mode).push_text(q.get_text(4));
    t.column(c_quorum).push_int(q.get_int(5));
    t.column(c_status).push_text(q.get_text(6));
    t.column(c_started).push_int(q.get_int(7));
    t.column(c_due).push_opt(q.get_opt_int(8));
    t.column(c_esc).push_opt(q.get_opt_int(9));
    t.column(c_ended).push_opt(q.get_opt_int(10));
    auto logins = json::parse(q.is_null(12) ? "[]" : q.get_text(12), nullptr, false);
    std::vector<std::string> list;
    if (logins.is_array())
      for (const auto& l : logins)
        if (l.is_string()) list.push_back(l.get<std::string>());
    t.column(c_approvers).push_list(list);
    t.column(c_trace).push_text(q.get_text(11));
  }
  return t;
}

Table Approvals::list(const std::optional<std::string>& status, const std::optional<std::string>& entity,
                      std::optional<std::int64_t> entity_id) const {
  db::Transaction tx(ctx_.db(), false);
  std::string sql =
      "SELECT r.id, w.name, r.entity, r.entity_id, r.submitter_id, r.status, s.name, r.round, r.created_at "
      "FROM approval_requests r JOIN workflows w ON w.id = r.workflow_id LEFT JOIN approval_steps s ON s.id = "
      "r.current_step_id WHERE 1";
  std::vector<Value> params;
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) {
    sql += " AND (r.submitter_id = ? OR EXISTS (SELECT 1 FROM approval_steps s2 JOIN approval_assignees a ON a.step_id "
           "= s2.id WHERE s2.request_id = r.id AND (a.user_id = ? OR a.acted_by = ?)))";
    for (int i = 0; i < 3; ++i) params.emplace_back(*ctx_.who->user_id);
  }
  if (status) {
    sql += " AND r.status = ?";
    params.emplace_back(*status);
  }
  if (entity) {
    sql += " AND r.entity = ?";
    params.emplace_back(*entity);
  }
  if (entity_id) {
    sql += " AND r.entity_id = ?";
    params.emplace_back(*entity_id);
  }
  sql += " ORDER BY r.id";
  auto q = ctx_.db().prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) q.bind(static_cast<int>(i + 1), params[i]);
  return db::read_table(q, {{"id", ColumnType::Int}, {"workflow", ColumnType::Text},
                            {"entity", ColumnType::Text}, {"entity_id", ColumnType::Int},
                            {"submitter_id", ColumnType::Int}, {"status", ColumnType::Text},
                            {"current_step", ColumnType::Text}, {"round", ColumnType::Int},
                            {"created_at", ColumnType::Time}});
}

Delegation Approvals::delegate(std::int64_t delegator, std::int64_t to, Timestamp start, Timestamp end) {
  db::Transaction tx(ctx_.db());
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != delegator)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not delegate the approvals of user " +
                           std::to_string(delegator) + " (only that user or an admin may)");
  if (delegator == to) throw ValidationError("to: a user cannot delegate to themselves", "to");
  if (!(start < end)) throw ValidationError("end: the delegation must end after it starts", "end");
  for (auto [id, field] : {std::pair{delegator, "user"}, std::pair{to, "to"}}) {
    auto q = ctx_.db().prepare("SELECT active FROM users WHERE id = ?");
    q.bind_all(id);
    if (!q.step()) throw NotFound(std::string(field) + ": user " + std::to_string(id) + " does not exist");
    if (!q.get_int(0)) throw ValidationError(std::string(field) + ": user " + std::to_string(id) + " is deactivated", field);
  }
  // A chain delegator -> to -> ... must not lead back to the delegator in an overlapping window.
  {
    std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> frontier{{to, {delegator, to}}};
    std::set<std::int64_t> seen{to};
    auto q = ctx_.db().prepare(
        "SELECT delegate_id FROM delegations WHERE delegator_id = ? AND start_at < ? AND end_at > ? AND revoked_at IS "
        "NULL");
    while (!frontier.empty()) {
      auto [u, path] = frontier.back();
      frontier.pop_back();
      q.bind_all(u, end.ms, start.ms);
      std::vector<std::int64_t> next;
      while (q.step()) next.push_back(q.get_int(0));
      q.reset();
      for (auto n : next) {
        auto p = path;
        p.push_back(n);
        if (n == delegator) {
          std::string chain;
          for (auto id : p) chain += (chain.empty() ? "" : " → ") + user_login(ctx_, id);
          throw WorkflowError("this delegation would make a loop: " + chain +
                              "; a delegation chain cannot lead back to the user who delegates");
        }
        if (seen.insert(n).second) frontier.push_back({n, p});
      }
    }
  }
  ctx_.db()
      .prepare("INSERT INTO delegations(delegator_id, delegate_id, start_at, end_at, created_by, created_at) VALUES "
               "(?,?,?,?,?,?)")
      .bind_all(delegator, to, start.ms, end.ms, ctx_.actor(), ctx_.now())
      .exec();
  Delegation d{ctx_.db().last_insert_rowid(), delegator, to, start, end};
  LedgerEntry e;
  e.kind = "delegate";
  e.actor_id = ctx_.actor();
  e.on_behalf_of = delegator;
  e.detail = json{{"delegation_id", d.id},
                  {"delegator", user_login(ctx_, delegator)},
                  {"delegate", user_login(ctx_, to)},
                  {"start", format_timestamp(start.ms)},
                  {"end", format_timestamp(end.ms)}};
  append(ctx_, e);
  tx.commit();
  return d;
}

void Approvals::revoke_delegation(std::int64_t delegation_id) {
  db::Transaction tx(ctx_.db());
  auto q = ctx_.db().prepare("SELECT delegator_id, delegate_id, revoked_at FROM delegations WHERE id = ?");
  q.bind_all(delegation_id);
  if (!q.step()) throw NotFound("delegation " + std::to_string(delegation_id) + " does not exist");
  auto delegator = q.get_int(0), to = q.get_int(1);
  bool revoked = !q.is_null(2);
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != delegator)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not revoke delegation " + std::to_string(delegation_id));
  if (revoked) throw Conflict("delegation " + std::to_string(delegation_id) + " is already revoked");
  ctx_.db().prepare("UPDATE delegations SET revoked_at = ? WHERE id = ?").bind_all(ctx_.now(), delegation_id).exec();
  LedgerEntry e;
  e.kind = "revoke_delegation";
  e.actor_id = ctx_.actor();
  e.on_behalf_of = delegator;
  e.detail = json{{"delegation_id", delegation_id},
                  {"delegator", user_login(ctx_, delegator)},
                  {"delegate", user_login(ctx_, to)}};
  append(ctx_, e);
  tx.commit();
}

Table Approvals::delegations(std::optional<std::int64_t> user) const {
  db::Transaction tx(ctx_.db(), false);
  std::string sql = "SELECT id, delegator_id, delegate_id, start_at, end_at, revoked_at FROM delegations";
  std::optional<std::int64_t> who = user;
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) who = ctx_.who->user_id;
  if (who) sql += " WHERE delegator_id = ? OR delegate_id = ?";
  sql += " ORDER BY id";
  auto q = ctx_.db().prepare(sql);
  if (who) q.bind_all(*who, *who);
  return db::read_table(q, {{"id", ColumnType::Int}, {"delegator_id", ColumnType::Int},
                            {"delegate_id", ColumnType::Int}, {"start", ColumnType::Time},
                            {"end", ColumnType::Time}, {"revoked_at", ColumnType::Time}});
}

Table Approvals::inbox(std::int64_t user) const {
  db::Transaction tx(ctx_.db(), false);
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != user)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read the approval inbox of user " +
                           std::to_string(user));
  {
    auto q = ctx_.db().prepare("SELECT 1 FROM users WHERE id = ?");
    q.bind_all(user);
    if (!q.step()) throw NotFound("user " + std::to_string(user) + " does not exist");
  }
  std::vector<std::int64_t> ids{user};
  auto delegators = delegators_of(ctx_, user, ctx_.now());
  ids.insert(ids.end(), delegators.begin(), delegators.end());
  std::string in;
  for (std::size_t i = 0; i < ids.size(); ++i) in += i ? ",?" : "?";
  auto q = ctx_.db().prepare(
      "SELECT r.id, s.id, w.name, r.entity, r.entity_id, s.name, s.round, a.user_id, r.submitter_id, s.started_at, "
      "s.due_at FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id "
      "JOIN approval_requests r ON r.id = s.request_id JOIN workflows w ON w.id = r.workflow_id "
      "WHERE a.user_id IN (" + in + ") AND a.open = 1 AND (r.submitter_id IS NULL OR r.submitter_id <> ?) "
      "ORDER BY s.started_at, s.id, a.user_id");
  int i = 0;
  for (auto id : ids) q.bind(++i, id);
  q.bind(++i, user);
  Table t;
  auto c_req = t.add_column("request_id", ColumnType::Int);
  auto c_step_id = t.add_column("step_id", ColumnType::Int);
  auto c_wf = t.add_column("workflow", ColumnType::Text);
  auto c_entity = t.add_column("entity", ColumnType::Text);
  auto c_eid = t.add_column("entity_id", ColumnType::Int);
  auto c_step = t.add_column("step", ColumnType::Text);
  auto c_round = t.add_column("round", ColumnType::Int);
  auto c_behalf = t.add_column("on_behalf_of", ColumnType::Int);
  auto c_sub = t.add_column("submitter_id", ColumnType::Int);
  auto c_started = t.add_column("started_at", ColumnType::Time);
  auto c_due = t.add_column("due_at", ColumnType::Time);
  std::set<std::int64_t> seen_steps;
  while (q.step()) {
    auto step_id = q.get_int(1);
    // A user who is an approver and also acts for someone on the same step sees it once (their own).
    if (!seen_steps.insert(step_id).second) continue;
    t.column(c_req).push_int(q.get_int(0));
    t.column(c_step_id).push_int(step_id);
    t.column(c_wf).push_text(q.get_text(2));
    t.column(c_entity).push_text(q.get_text(3));
    t.column(c_eid).push_int(q.get_int(4));
    t.column(c_step).push_text(q.get_text(5));
    t.column(c_round).push_int(q.get_int(6));
    auto assignee = q.get_int(7);
    if (assignee == user)
      t.column(c_behalf).push_null();
    else
      t.column(c_behalf).push_int(assignee);
    t.column(c_sub).push_opt(q.get_opt_int(8));
    t.column(c_started).push_int(q.get_int(9));
    t.column(c_due).push_opt(q.get_opt_int(10));
  }
  return t;
}

Table Approvals::escalate_overdue() {
  db::Transaction tx(ctx_.db());
  if (!ctx_.who->is_system() && !ctx_.who->is_admin)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not run escalations (admins and the system only)");
  Table t;
  auto c_req = t.add_column("request_id", ColumnType::Int);
  auto c_step = t.add_column("step", ColumnType::Text);
  auto c_action = t.add_column("action", ColumnType::Text);
  auto c_users = t.add_column("users", ColumnType::TextList);
  std::vector<std::pair<std::int64_t, std::int64_t>> due;  // step id, request id
  {
    auto q = ctx_.db().prepare(
        "SELECT s.id, s.request_id FROM approval_steps s WHERE s.status = 'pending' AND s.due_at IS NOT NULL AND "
        "s.due_at <= ? AND s.escalated_at IS NULL ORDER BY s.due_at, s.id");
    q.bind_all(ctx_.now());
    while (q.step()) due.emplace_back(q.get_int(0), q.get_int(1));
  }
  for (auto [step_id, request_id] : due) {
    ReqRow req = require_request(ctx_, request_id);
    if (req.status != "pending" || req.step_id != step_id) continue;
    auto def = load_definition(ctx_, req.definition);
    auto info = require_entity(ctx_, req.entity);
    auto rec = require_record(ctx_, info, req.entity_id);
    auto index = static_cast<std::size_t>(*req.step_index);
    const auto& step = def->steps.at(index);
    ctx_.db().prepare("UPDATE approval_steps SET escalated_at = ? WHERE id = ?").bind_all(ctx_.now(), step_id).exec();
    std::string sla = step.sla_hours ? Value(*step.sla_hours).to_text() : "?";
    if (step.auto_decision) {
      std::string outcome = *step.auto_decision == "approve" ? "approved" : "rejected";
      ctx_.db().prepare("UPDATE approval_assignees SET open = 0 WHERE step_id = ?").bind_all(step_id).exec();
      auto e = entry(req, *step.auto_decision == "approve" ? "auto_approve" : "auto_reject");
      e.step = step.name;
      e.record = key_fields(rec);
      e.detail = json{{"reason", "the SLA of " + sla + " hours passed; the step decides automatically as configured"}};
      append(ctx_, e);
      t.column(c_req).push_int(request_id);
      t.column(c_step).push_text(step.name);
      t.column(c_action).push_text(outcome);
      t.column(c_users).push_list({});
      Engine(ctx_, req, def, info).settle_step(step_id, index, outcome);
      continue;
    }
    std::vector<std::int64_t> current;
    {
      auto q = ctx_.db().prepare("SELECT user_id FROM approval_assignees WHERE step_id = ? ORDER BY user_id");
      q.bind_all(step_id);
      while (q.step()) current.push_back(q.get_int(0));
    }
    auto routed = route_escalation(ctx_, step, rec.owner, req.submitter, current);
    std::vector<std::string> logins;
    json to = json::array();
    auto ins = ctx_.db().prepare("INSERT OR IGNORE INTO approval_assignees(step_id, user_id, reason) VALUES (?,?,?)");
    for (const auto& a : routed.approvers) {
      ins.bind_all(step_id, a.user_id, "escalated after " + sla + "h: " + a.reason);
      ins.exec();
      ins.reset();
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

// ---- the change observer ---------------------------------------------------------------------------

namespace {

bool crosses(const Reapprove& r, const rules::Value& before, const rules::Value& after) {
  auto num = [](const rules::Value& v) -> std::optional<double> {
    if (v.is_int()) return static_cast<double>(v.as_int());
    if (v.is_double()) return v.as_double();
    if (v.is_bool()) return v.as_bool() ? 1.0 : 0.0;
    return std::nullopt;
  };
  auto a = num(before), b = num(after);
  if (!a || !b) return !(before == after) && (r.direction == "change" && r.threshold == 0);
  double delta = *b - *a;
  if (r.direction == "increase" && delta <= 0) return false;
  if (r.direction == "decrease" && delta >= 0) return false;
  if (delta == 0) return false;
  double size = std::fabs(delta);
  if (r.percent) return *a == 0 ? true : size / std::fabs(*a) * 100.0 > r.threshold;
  return size > r.threshold;
}

void on_change(const Context& ctx, const pipeline::RecordChange& change) {
  auto info = entity_info(ctx, change.entity);
  if (!info) return;
  if (pending_on(ctx, change.entity, change.id)) return;
  LoadedRecord after;
  after.values = change.after;
  auto owner = after.values.find("owner");
  if (owner != after.values.end() && owner->second.is_int()) after.owner = owner->second.as_int();
  auto now = ctx.now();
  auto submitter = change.actor ? change.actor : after.owner;

  // Reapproval: an edit of an approved record across a reapprove_on threshold starts a new round.
  if (!change.created) {
    // The latest request of each workflow on this record, when it ended approved.
    auto q = ctx.db().prepare(
        "SELECT r.id, w.name, r.status FROM approval_requests r JOIN workflows w ON w.id = r.workflow_id "
        "WHERE r.entity = ? AND r.entity_id = ? ORDER BY r.id DESC");
    q.bind_all(change.entity, change.id);
    std::vector<std::int64_t> approved;
    std::set<std::string> seen;
    while (q.step())
      if (seen.insert(q.get_text(1)).second && q.get_text(2) == "approved") approved.push_back(q.get_int(0));
    for (auto id : approved) {
      ReqRow req = require_request(ctx, id);
      auto def = load_definition(ctx, req.definition);
      if (def->reapprove_on.empty()) continue;
      auto snap = json::parse(req.snapshot, nullptr, false);
      for (const auto& r : def->reapprove_on) {
        auto it = change.after.find(r.field);
        if (it == change.after.end() || !snap.is_object() || !snap.contains(r.field)) continue;
        rules::Value was;
        const auto& s = snap[r.field];
        if (s.is_number_integer())
          was = rules::Value(s.get<std::int64_t>());
        else if (s.is_number())
          was = rules::Value(s.get<double>());
        else if (s.is_string())
          was = rules::Value(s.get<std::string>());
        else if (s.is_boolean())
          was = rules::Value(s.get<bool>());
        if (!crosses(r, was, it->second)) continue;
        req.status = "pending";
        req.round += 1;
        req.ended_at.reset();
        req.snapshot = snapshot_of(*def, after).dump();
        update_request(ctx, req);
        pipeline::internal::set_lock(ctx, req.entity, req.entity_id, req.id);
        auto e = entry(req, "reapprove");
        e.actor_id = change.actor;
        e.record = key_fields(after);
        e.detail = json{{"field", r.field}, {"approved_value", s}, {"new_value", to_json(it->second)}, {"rule", r.text}};
        append(ctx, e);
        Engine(ctx, req, def, *info).run_from(0);
        return;
      }
    }
  }

  // Triggers: stage_enter first, then field_change; the first matching workflow starts.
  auto q = ctx.db().prepare(
      "SELECT id, version, definition, trigger_on, trigger_stage FROM workflows WHERE entity = ? AND current = 1 AND "
      "active = 1 AND trigger_on IN ('stage_enter', 'field_change') ORDER BY trigger_on DESC, id");
  q.bind_all(change.entity);
  struct Candidate {
    WorkflowRow wf;
    std::string on;
  };
  std::vector<Candidate> candidates;
  while (q.step()) {
    std::string on = q.get_text(3);
    if (on == "stage_enter" && (!change.entered_stage || q.get_opt_text(4) != change.entered_stage)) continue;
    candidates.push_back({WorkflowRow{q.get_int(0), q.get_int(1), load_definition(ctx, q.get_text(2))}, on});
  }
  MapRecord rec_after(after);
  LoadedRecord before;
  before.values = change.before;
  MapRecord rec_before(before);
  for (const auto& c : candidates) {
    if (acting_workflow && c.wf.def->name == *acting_workflow) continue;
    if (c.on == "field_change") {
      if (!c.wf.def->trigger_when || !rules::evaluate(*c.wf.def->trigger_when, rec_after, now)) continue;
      if (!change.created && rules::evaluate(*c.wf.def->trigger_when, rec_before, now)) continue;
    }
    if (!workflow_condition(*c.wf.def, after, now).first) continue;
    std::string how = c.on == "stage_enter" ? "stage_enter " + *change.entered_stage : "field_change";
    start_request(ctx, *info, change.id, after, c.wf, submitter, std::nullopt, how);
    return;
  }
}

}  // namespace

pipeline::ChangeObserver change_observer() { return &on_change; }

}  // namespace crmkit::workflow
