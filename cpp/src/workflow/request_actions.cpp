// What people do with a request: submit, approve, reject (one or many), recall, resubmit. Each is
// one transaction; the checks come first and in the order docs/workflows.md lists them.
#include "crmkit/error.hpp"
#include "crmkit/text.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "engine_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace {

std::string submitter_text(const Context& ctx, const ReqRow& req) {
  return req.submitter ? user_login(ctx, *req.submitter) : "the system";
}

// The assignment `me` decides on the current step: their own open one, else an open one of a user
// who delegated to them (never the submitter's).
std::optional<std::int64_t> acting_assignment(const Context& ctx, const ReqRow& req, std::int64_t me,
                                              std::optional<Assignment>& own) {
  own = assignment(ctx, *req.step_id, me);
  if (own && own->open) return me;
  for (auto d : delegators_of(ctx, me, ctx.now())) {
    auto a = assignment(ctx, *req.step_id, d);
    if (a && a->open && req.submitter != d) return d;
  }
  return std::nullopt;
}

bool has_actions(const Definition& def) {
  if (!def.on_approve.empty() || !def.on_reject.empty()) return true;
  for (const auto& s : def.steps)
    if (!s.on_approve.empty() || !s.on_reject.empty()) return true;
  return false;
}

// What a run of decisions by one user looks up once: the entities' catalogs (the schema does not
// change inside the transaction that decides).
struct DecideCache {
  std::vector<EntityInfo> entities;
  const EntityInfo& entity(const Context& ctx, const std::string& name) {
    for (const auto& e : entities)
      if (e.entity == name) return e;
    entities.push_back(require_entity(ctx, name));
    return entities.back();
  }
};

// One decision by the acting user of `ctx`, inside the caller's transaction. Returns the request
// as it stands afterwards (read again only when an action may have changed it).
Request decide_in(const Context& ctx, std::int64_t id, Decision decision, const std::optional<std::string>& note,
                  const std::optional<std::string>& step, DecideCache& cache) {
  std::int64_t me = *ctx.actor();
  ReqRow req = require_request(ctx, id);
  if (req.status != RequestStatus::Pending)
    throw Conflict("approval request " + std::to_string(id) + " is already " + std::string(to_string(req.status)) +
                   "; a decision is only possible while it is pending");
  if (step && *step != req.step_name.value_or(""))
    throw Conflict("step '" + *step + "' of approval request " + std::to_string(id) +
                   " is no longer current (the request is at step '" + req.step_name.value_or("") +
                   "'); the decision was not recorded");
  if (req.submitter == me)
    throw PermissionDenied("user '" + ctx.who->login + "' submitted approval request " + std::to_string(id) +
                           ": nobody approves their own request");
  std::optional<Assignment> own;
  auto assignee = acting_assignment(ctx, req, me, own);
  if (!assignee) {
    if (own && own->decision)
      throw Conflict("user '" + ctx.who->login + "' already " + std::string(decided_text(*own->decision)) +
                     " step '" + *req.step_name + "' of approval request " + std::to_string(id) + " (round " +
                     std::to_string(req.round) + "); each approver acts once per step");
    if (auto prior = earlier_step_of(ctx, id, req.round, me, *req.step_id))
      throw Conflict("step '" + prior->first + "' of approval request " + std::to_string(id) + " was already " +
                     prior->second + " and is no longer current (the request is now at step '" + *req.step_name +
                     "'); the decision was not recorded");
    std::string approvers;
    for (const auto& login : assignee_logins(ctx, *req.step_id)) approvers += (approvers.empty() ? "" : ", ") + login;
    throw PermissionDenied("user '" + ctx.who->login + "' is not an approver of step '" + *req.step_name +
                           "' of approval request " + std::to_string(id) + " and acts for nobody who is (approvers: " +
                           approvers + ")");
  }
  record_decision(ctx, *req.step_id, *assignee, decision, me, ctx.now(), note);
  auto def = load_definition(ctx, req.definition);
  const EntityInfo& info = cache.entity(ctx, req.entity);
  auto rec = require_record(ctx, info, req.entity_id);
  auto e = entry(req, std::string(verb(decision)));
  e.step = req.step_name;
  e.actor_id = me;
  if (*assignee != me) e.on_behalf_of = *assignee;
  e.comment = note;
  e.record = key_fields(rec);
  append(ctx, e);
  std::int64_t step_id = *req.step_id;
  auto index = static_cast<std::size_t>(*req.step_index);
  Engine engine(ctx, req, def, info);
  engine.knows(std::move(rec));
  engine.settle_step(step_id, index, std::nullopt);
  // Actions run with the engine's rights and may start other requests, never change this one
  // behind the engine's back; still, when the definition has any, read the request back.
  if (has_actions(*def)) return require_request(ctx, id).to_request();
  return req.to_request();
}

Request decide(const Context& base, std::int64_t id, std::optional<std::int64_t> by, Decision decision,
               const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  auto note = clean_comment(comment);
  db::Transaction tx(base.db());
  Context ctx = actor_context(base, by, std::string(verb(decision)));
  DecideCache cache;
  auto out = decide_in(ctx, id, decision, note, step, cache);
  tx.commit();
  return out;
}

// A request only its submitter may act on (recall, resubmit): PermissionDenied for anyone else.
ReqRow submitters_request(const Context& ctx, std::int64_t request_id, const char* verb) {
  ReqRow req = require_request(ctx, request_id);
  if (req.submitter != ctx.actor())
    throw PermissionDenied("only the submitter (" + submitter_text(ctx, req) + ") may " + verb + " approval request " +
                           std::to_string(request_id));
  return req;
}

}  // namespace

Request Approvals::submit(const std::string& entity, std::int64_t entity_id, const std::optional<std::string>& workflow,
                          std::optional<std::int64_t> by, const std::optional<std::string>& comment) {
  auto note = clean_comment(comment);
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
    std::vector<WorkflowRow> matching;
    for (const auto& n : submit_workflows(ctx, info.entity)) {
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
  // The request as the engine left it, unless an action (a workflow that ends at once) ran.
  Request out = has_actions(*wf->def) ? require_request(ctx, req.id).to_request() : req.to_request();
  tx.commit();
  return out;
}

Request Approvals::approve(std::int64_t request_id, std::optional<std::int64_t> by,
                           const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  return decide(ctx_, request_id, by, Decision::Approve, comment, step);
}

Request Approvals::reject(std::int64_t request_id, std::optional<std::int64_t> by,
                          const std::optional<std::string>& comment, const std::optional<std::string>& step) {
  return decide(ctx_, request_id, by, Decision::Reject, comment, step);
}

std::vector<BatchResult> Approvals::approve_many(const std::vector<std::int64_t>& ids, std::optional<std::int64_t> by,
                                                 const std::optional<std::string>& comment,
                                                 const std::optional<std::string>& step) {
  auto note = clean_comment(comment);
  std::vector<BatchResult> out;
  out.reserve(ids.size());
  db::Transaction batch(ctx_.db());
  Context ctx = actor_context(ctx_, by, "approve");
  DecideCache cache;
  for (auto id : ids) {
    BatchResult r;
    r.request_id = id;
    try {
      db::Transaction one(ctx_.db());  // a savepoint: a refused request leaves no trace
      auto req = decide_in(ctx, id, Decision::Approve, note, step, cache);
      one.commit();
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
      throw;  // the database itself failed: the whole batch rolls back rather than half-commit
    } catch (const Error& e) {
      r.error = "Error", r.message = e.what();
    }
    out.push_back(std::move(r));
  }
  batch.commit();
  return out;
}

Request Approvals::recall(std::int64_t request_id, std::optional<std::int64_t> by,
                          const std::optional<std::string>& comment) {
  auto note = clean_comment(comment);
  db::Transaction tx(ctx_.db());
  Context ctx = actor_context(ctx_, by, "recall");
  ReqRow req = submitters_request(ctx, request_id, "recall");
  if (req.status != RequestStatus::Pending)
    throw WorkflowError("approval request " + std::to_string(request_id) + " is " +
                        std::string(to_string(req.status)) + "; only a pending request can be recalled");
  auto info = require_entity(ctx, req.entity);
  auto rec = require_record(ctx, info, req.entity_id);
  auto step_name = req.step_name;
  if (req.step_id) end_step(ctx, *req.step_id, StepStatus::Cancelled, ctx.now());
  req.status = RequestStatus::Recalled;
  req.clear_step();
  req.ended_at = ctx.now();
  update_request(ctx, req);
  unlock_record(ctx, req.entity, req.entity_id);
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
  auto note = clean_comment(comment);
  db::Transaction tx(ctx_.db());
  Context ctx = actor_context(ctx_, by, "resubmit");
  ReqRow req = submitters_request(ctx, request_id, "resubmit");
  if (req.status == RequestStatus::Approved)
    throw WorkflowError("approval request " + std::to_string(request_id) +
                        " was approved; there is nothing to resubmit (a change across its reapprove_on thresholds "
                        "starts a new round by itself)");
  if (req.status == RequestStatus::Pending)
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
  req.status = RequestStatus::Pending;
  req.round += 1;
  req.ended_at.reset();
  req.snapshot = snapshot_of(*def, rec).dump();
  update_request(ctx, req);
  auto e = entry(req, "resubmit");
  e.actor_id = ctx.actor();
  e.comment = note;
  e.record = key_fields(rec);
  append(ctx, e);
  Engine(ctx, req, def, info).run_from(0);  // locks the record at its first step
  tx.commit();
  return require_request(ctx_, request_id).to_request();
}

}  // namespace crmkit::workflow
