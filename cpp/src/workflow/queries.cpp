// Reading requests: get, history, steps, list, inbox — and who may read what.
#include <set>

#include "crmkit/org/lookup.hpp"
#include "crmkit/error.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "engine_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace {

// The submitter, any approver or delegate of it, anyone whose scope covers the record, admins.
bool may_read(const Context& ctx, const ReqRow& req) {
  if (ctx.who->is_system() || ctx.who->is_admin) return true;
  auto me = *ctx.who->user_id;
  if (req.submitter == me) return true;
  if (involved_in(ctx, req.id, me)) return true;
  for (auto d : delegators_of(ctx, me, ctx.now()))
    if (assigned_on(ctx, req.id, d)) return true;
  auto info = entity_info(ctx, req.entity);
  if (!info) return false;
  auto rec = load_record(ctx, *info, req.entity_id);
  return rec && ctx.who->covers(info->scope, rec->owner);
}

ReqRow readable_request(const Context& ctx, std::int64_t id) {
  auto req = require_request(ctx, id);
  if (!may_read(ctx, req))
    throw PermissionDenied("user '" + ctx.who->login + "' may not read approval request " + std::to_string(id));
  return req;
}

}  // namespace

Request Approvals::get(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  return readable_request(ctx_, request_id).to_request();
}

Table Approvals::history(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  readable_request(ctx_, request_id);
  return request_history(ctx_, request_id);
}

Table Approvals::steps(std::int64_t request_id) const {
  db::Transaction tx(ctx_.db(), false);
  readable_request(ctx_, request_id);
  return step_table(ctx_, request_id);
}

Table Approvals::list(const std::optional<std::string>& status, const std::optional<std::string>& entity,
                      std::optional<std::int64_t> entity_id) const {
  db::Transaction tx(ctx_.db(), false);
  std::optional<std::int64_t> visible_to;
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) visible_to = *ctx_.who->user_id;
  return request_table(ctx_, visible_to, status, entity, entity_id);
}

Table Approvals::inbox(std::int64_t user) const {
  db::Transaction tx(ctx_.db(), false);
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != user)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read the approval inbox of user " +
                           std::to_string(user));
  if (!org::user_exists(ctx_, user)) throw NotFound("user " + std::to_string(user) + " does not exist");
  std::vector<std::int64_t> ids{user};
  auto delegators = delegators_of(ctx_, user, ctx_.now());
  ids.insert(ids.end(), delegators.begin(), delegators.end());
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
  for (const auto& r : open_assignments(ctx_, ids, user)) {
    // A step the user may act on through several assignments (their own, a delegator's) is
    // listed once, by its first row (rows of a step come in assignee id order).
    if (!seen_steps.insert(r.step_id).second) continue;
    t.column(c_req).push_int(r.request_id);
    t.column(c_step_id).push_int(r.step_id);
    t.column(c_wf).push_text(r.workflow);
    t.column(c_entity).push_text(r.entity);
    t.column(c_eid).push_int(r.entity_id);
    t.column(c_step).push_text(r.step);
    t.column(c_round).push_int(r.round);
    if (r.assignee == user)
      t.column(c_behalf).push_null();
    else
      t.column(c_behalf).push_int(r.assignee);
    t.column(c_sub).push_opt(r.submitter);
    t.column(c_started).push_int(r.started_at);
    t.column(c_due).push_opt(r.due_at);
  }
  return t;
}

}  // namespace crmkit::workflow
