// The request store (see request_store_internal.h): every SQL statement over the approval tables.
#include <algorithm>

#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/pipeline/engine_side.hpp"
#include "request_store_internal.h"
#include "workflow_internal.h"

namespace crmkit::workflow::internal {

namespace {

// A stored state that is not one of its set means the row was written by something else than
// the engine; saying so beats acting on a guess.
template <typename E>
E stored(std::optional<E> v, const std::string& text, const char* what) {
  if (!v) throw StorageError(std::string("unknown ") + what + " '" + text + "' in the approval tables");
  return *v;
}

// Puts the request on the change feed under its record's customer.
void request_event(const Context& ctx, ReqRow& req, events::ChangeKind kind, const std::vector<std::string>& fields) {
  if (!req.customer_id) req.customer_id = req.entity == "customer" ? std::optional<std::int64_t>(req.entity_id)
                                                                   : pipeline::engine_side::customer_of(ctx, req.entity, req.entity_id);
  events::emit(ctx, kind, "approval_request", req.id, *req.customer_id, fields);
}

}  // namespace

Request ReqRow::to_request() const {
  Request r;
  r.id = id;
  r.workflow = workflow;
  r.workflow_version = workflow_version;
  r.entity = entity;
  r.entity_id = entity_id;
  r.submitter_id = submitter;
  r.status = std::string(to_string(status));
  r.current_step = step_name;
  r.round = round;
  r.created_at = Timestamp{created_at};
  r.updated_at = Timestamp{updated_at};
  if (ended_at) r.ended_at = Timestamp{*ended_at};
  r.version = version;
  return r;
}

// ---- requests ---------------------------------------------------------------------------------

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
  auto status = q.get_text(8);
  r.status = stored(parse_request_status(status), status, "request status");
  r.round = q.get_int(9);
  r.step_id = q.get_opt_int(10);
  r.step_name = q.get_opt_text(11);
  r.step_index = q.get_opt_int(12);
  r.snapshot = q.get_text(13);
  r.created_at = q.get_int(14);
  r.updated_at = q.get_int(15);
  r.ended_at = q.get_opt_int(16);
  r.version = q.get_int(17);
  r.mark_stored();
  return r;
}

ReqRow require_request(const Context& ctx, std::int64_t id) {
  auto r = load_request(ctx, id);
  if (!r) throw NotFound("approval request " + std::to_string(id) + " does not exist");
  return *r;
}

std::optional<std::int64_t> pending_on(const Context& ctx, const std::string& entity, std::int64_t id) {
  auto q = ctx.db().prepare(
      "SELECT id FROM approval_requests WHERE entity = ? AND entity_id = ? AND status = ? LIMIT 1");
  q.bind_all(entity, id, to_string(RequestStatus::Pending));
  if (q.step()) return q.get_int(0);
  return std::nullopt;
}

ReqRow insert_request(const Context& ctx, std::int64_t workflow_id, const std::string& workflow,
                      std::int64_t workflow_version, const std::string& entity, std::int64_t entity_id,
                      std::optional<std::int64_t> submitter, const std::string& snapshot) {
  auto now = ctx.now();
  ctx.db()
      .prepare("INSERT INTO approval_requests(workflow_id, entity, entity_id, submitter_id, status, round, snapshot, "
               "created_at, updated_at) VALUES (?,?,?,?,?,1,?,?,?)")
      .bind_all(workflow_id, entity, entity_id, submitter, to_string(RequestStatus::Pending), snapshot, now, now)
      .exec();
  ReqRow req;
  req.id = ctx.db().last_insert_id();
  req.workflow = workflow;
  req.workflow_version = workflow_version;
  req.workflow_id = workflow_id;
  req.entity = entity;
  req.entity_id = entity_id;
  req.submitter = submitter;
  req.status = RequestStatus::Pending;
  req.snapshot = snapshot;
  req.created_at = req.updated_at = now;
  req.mark_stored();
  request_event(ctx, req, events::ChangeKind::Created, {"entity", "entity_id", "status", "submitter_id", "workflow"});
  return req;
}

void update_request(const Context& ctx, ReqRow& req) {
  req.updated_at = ctx.now();
  ++req.version;
  ctx.db()
      .prepare("UPDATE approval_requests SET status=?, round=?, current_step_id=?, snapshot=?, updated_at=?, "
               "ended_at=?, version=? WHERE id=?")
      .bind_all(to_string(req.status), req.round, req.step_id, req.snapshot, req.updated_at, req.ended_at,
                req.version, req.id)
      .exec();
  std::vector<std::string> changed;
  if (req.step_id != req.stored.step_id) changed.emplace_back("current_step");
  if (req.ended_at != req.stored.ended_at) changed.emplace_back("ended_at");
  if (req.round != req.stored.round) changed.emplace_back("round");
  if (req.snapshot != req.stored.snapshot) changed.emplace_back("snapshot");
  if (req.status != req.stored.status) changed.emplace_back("status");
  changed.emplace_back("version");
  req.mark_stored();
  request_event(ctx, req, events::ChangeKind::Updated, changed);
}

std::vector<std::int64_t> latest_approved_requests(const Context& ctx, const std::string& entity, std::int64_t id) {
  auto q = ctx.db().prepare(
      "SELECT r.id, w.name, r.status FROM approval_requests r JOIN workflows w ON w.id = r.workflow_id "
      "WHERE r.entity = ? AND r.entity_id = ? ORDER BY r.id DESC");
  q.bind_all(entity, id);
  std::vector<std::int64_t> approved;
  std::vector<std::string> seen;
  while (q.step()) {
    auto name = q.get_text(1);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    if (parse_request_status(q.get_text(2)) == RequestStatus::Approved) approved.push_back(q.get_int(0));
  }
  return approved;
}

// ---- step instances and assignments -----------------------------------------------------------

void insert_skipped_step(const Context& ctx, const StepRow& s, std::int64_t now) {
  ctx.db()
      .prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, started_at, "
               "ended_at, trace) VALUES (?,?,?,?,?,?,?,?,?,?)")
      .bind_all(s.request_id, s.round, s.index, s.name, to_string(s.mode), s.quorum, to_string(StepStatus::Skipped),
                now, now, s.trace)
      .exec();
}

std::int64_t insert_pending_step(const Context& ctx, const StepRow& s, std::int64_t now,
                                 std::optional<std::int64_t> due_at) {
  ctx.db()
      .prepare("INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, started_at, "
               "due_at, trace) VALUES (?,?,?,?,?,?,?,?,?,?)")
      .bind_all(s.request_id, s.round, s.index, s.name, to_string(s.mode), s.quorum, to_string(StepStatus::Pending),
                now, due_at, s.trace)
      .exec();
  return ctx.db().last_insert_id();
}

void end_step(const Context& ctx, std::int64_t step_id, StepStatus status, std::int64_t now) {
  ctx.db()
      .prepare("UPDATE approval_steps SET status = ?, ended_at = ? WHERE id = ?")
      .bind_all(to_string(status), now, step_id)
      .exec();
  close_assignments(ctx, step_id);
}

void close_assignments(const Context& ctx, std::int64_t step_id) {
  ctx.db().prepare("UPDATE approval_assignees SET open = 0 WHERE step_id = ? AND open = 1").bind_all(step_id).exec();
}

void add_assignee(const Context& ctx, std::int64_t step_id, std::int64_t user, const std::string& reason,
                  bool escalated) {
  ctx.db()
      .prepare("INSERT INTO approval_assignees(step_id, user_id, reason, escalated) VALUES (?,?,?,?) "
               "ON CONFLICT DO NOTHING")
      .bind_all(step_id, user, reason, escalated)
      .exec();
}

Tally tally(const Context& ctx, std::int64_t step_id) {
  // The step and its ballots in one statement: a step without assignees is one row of NULLs.
  auto q = ctx.db().prepare(
      "SELECT s.mode, s.quorum, a.user_id, a.decision, a.escalated FROM approval_steps s "
      "LEFT JOIN approval_assignees a ON a.step_id = s.id WHERE s.id = ? ORDER BY a.user_id");
  q.bind_all(step_id);
  if (!q.step()) throw NotFound("approval step " + std::to_string(step_id) + " does not exist");
  Tally t;
  auto mode = q.get_text(0);
  t.mode = stored(parse_step_mode(mode), mode, "step mode");
  t.quorum = static_cast<int>(q.get_int(1));
  do {
    if (q.is_null(2)) continue;
    Ballot b;
    if (!q.is_null(3)) {
      auto d = q.get_text(3);
      b.decision = stored(parse_decided(d), d, "decision");
    }
    b.escalated = q.get_int(4) != 0;
    t.ballots.push_back(b);
  } while (q.step());
  return t;
}

std::vector<std::int64_t> assignees(const Context& ctx, std::int64_t step_id) {
  auto q = ctx.db().prepare("SELECT user_id FROM approval_assignees WHERE step_id = ? ORDER BY user_id");
  q.bind_all(step_id);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

std::vector<std::string> assignee_logins(const Context& ctx, std::int64_t step_id) {
  std::vector<std::string> out;
  for (auto id : assignees(ctx, step_id))
    if (auto login = org::login_of(ctx, id)) out.push_back(std::move(*login));
  return out;
}

std::optional<Assignment> assignment(const Context& ctx, std::int64_t step_id, std::int64_t user) {
  auto q = ctx.db().prepare("SELECT open, decision FROM approval_assignees WHERE step_id = ? AND user_id = ?");
  q.bind_all(step_id, user);
  if (!q.step()) return std::nullopt;
  Assignment a;
  a.open = q.get_int(0) != 0;
  if (!q.is_null(1)) {
    auto d = q.get_text(1);
    a.decision = stored(parse_decided(d), d, "decision");
  }
  return a;
}

void record_decision(const Context& ctx, std::int64_t step_id, std::int64_t assignee, Decision decision,
                     std::int64_t acted_by, std::int64_t now, const std::optional<std::string>& comment) {
  ctx.db()
      .prepare("UPDATE approval_assignees SET open = 0, decision = ?, acted_by = ?, decided_at = ?, comment = ? "
               "WHERE step_id = ? AND user_id = ?")
      .bind_all(decided_text(decision), acted_by, now, comment, step_id, assignee)
      .exec();
}

std::optional<std::pair<std::string, std::string>> earlier_step_of(const Context& ctx, std::int64_t request_id,
                                                                   std::int64_t round, std::int64_t user,
                                                                   std::int64_t current_step_id) {
  auto q = ctx.db().prepare(
      "SELECT s.name, s.status FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id "
      "WHERE s.request_id = ? AND s.round = ? AND (a.user_id = ? OR a.acted_by = ?) AND s.id <> ? "
      "ORDER BY s.id DESC LIMIT 1");
  q.bind_all(request_id, round, user, user, current_step_id);
  if (!q.step()) return std::nullopt;
  return std::pair{q.get_text(0), q.get_text(1)};
}

bool involved_in(const Context& ctx, std::int64_t request_id, std::int64_t user) {
  auto q = ctx.db().prepare(
      "SELECT 1 FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id WHERE s.request_id = ? AND "
      "(a.user_id = ? OR a.acted_by = ?) LIMIT 1");
  q.bind_all(request_id, user, user);
  return q.step();
}

bool assigned_on(const Context& ctx, std::int64_t request_id, std::int64_t user) {
  auto q = ctx.db().prepare(
      "SELECT 1 FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id WHERE s.request_id = ? AND "
      "a.user_id = ? LIMIT 1");
  q.bind_all(request_id, user);
  return q.step();
}

std::vector<std::pair<std::int64_t, std::int64_t>> overdue_steps(const Context& ctx, std::int64_t now) {
  auto q = ctx.db().prepare(
      "SELECT s.id, s.request_id FROM approval_steps s WHERE s.status = ? AND s.due_at IS NOT NULL AND "
      "s.due_at <= ? AND s.escalated_at IS NULL ORDER BY s.due_at, s.id");
  q.bind_all(to_string(StepStatus::Pending), now);
  std::vector<std::pair<std::int64_t, std::int64_t>> due;
  while (q.step()) due.emplace_back(q.get_int(0), q.get_int(1));
  return due;
}

void mark_escalated(const Context& ctx, std::int64_t step_id, std::int64_t now) {
  ctx.db().prepare("UPDATE approval_steps SET escalated_at = ? WHERE id = ?").bind_all(now, step_id).exec();
}

// ---- delegations ------------------------------------------------------------------------------

std::vector<std::int64_t> direct_delegators(const Context& ctx, std::int64_t user, std::int64_t now) {
  auto q = ctx.db().prepare(
      "SELECT delegator_id FROM delegations WHERE delegate_id = ? AND start_at <= ? AND end_at > ? AND revoked_at IS NULL");
  q.bind_all(user, now, now);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

std::vector<std::int64_t> delegates_overlapping(const Context& ctx, std::int64_t delegator, std::int64_t start,
                                                std::int64_t end) {
  auto q = ctx.db().prepare(
      "SELECT delegate_id FROM delegations WHERE delegator_id = ? AND start_at < ? AND end_at > ? AND revoked_at IS "
      "NULL");
  q.bind_all(delegator, end, start);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

std::int64_t insert_delegation(const Context& ctx, std::int64_t delegator, std::int64_t to, std::int64_t start,
                               std::int64_t end, std::optional<std::int64_t> created_by, std::int64_t now) {
  ctx.db()
      .prepare("INSERT INTO delegations(delegator_id, delegate_id, start_at, end_at, created_by, created_at) VALUES "
               "(?,?,?,?,?,?)")
      .bind_all(delegator, to, start, end, created_by, now)
      .exec();
  return ctx.db().last_insert_id();
}

std::optional<DelegationRow> load_delegation(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare("SELECT delegator_id, delegate_id, revoked_at FROM delegations WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return DelegationRow{q.get_int(0), q.get_int(1), !q.is_null(2)};
}

void mark_revoked(const Context& ctx, std::int64_t id, std::int64_t now) {
  ctx.db().prepare("UPDATE delegations SET revoked_at = ? WHERE id = ?").bind_all(now, id).exec();
}

Table delegation_table(const Context& ctx, std::optional<std::int64_t> user) {
  std::string sql = "SELECT id, delegator_id, delegate_id, start_at, end_at, revoked_at FROM delegations";
  if (user) sql += " WHERE delegator_id = ? OR delegate_id = ?";
  sql += " ORDER BY id";
  auto q = ctx.db().prepare(sql);
  if (user) q.bind_all(*user, *user);
  return db::read_table(q, {{"id", ColumnType::Int}, {"delegator_id", ColumnType::Int},
                            {"delegate_id", ColumnType::Int}, {"start", ColumnType::Time},
                            {"end", ColumnType::Time}, {"revoked_at", ColumnType::Time}});
}

// ---- workflows as the engine reads them --------------------------------------------------------

std::optional<WorkflowRow> current_workflow(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare("SELECT id, version, definition, active FROM workflows WHERE name = ? AND current = 1");
  q.bind_all(name);
  if (!q.step()) return std::nullopt;
  if (!q.get_int(3)) throw WorkflowError("workflow '" + name + "' is deactivated; define it again to use it");
  return WorkflowRow{q.get_int(0), q.get_int(1), load_definition(ctx, q.get_text(2))};
}

std::vector<std::string> submit_workflows(const Context& ctx, const std::string& entity) {
  auto q = ctx.db().prepare(
      "SELECT name FROM workflows WHERE entity = ? AND trigger_on = ? AND current = 1 AND active = 1 ORDER BY id");
  q.bind_all(entity, to_string(TriggerOn::Submit));
  std::vector<std::string> names;
  while (q.step()) names.push_back(q.get_text(0));
  return names;
}

std::vector<TriggerRow> trigger_workflows(const Context& ctx, const std::string& entity) {
  auto q = ctx.db().prepare(
      "SELECT id, version, definition, trigger_on, trigger_stage FROM workflows WHERE entity = ? AND current = 1 AND "
      "active = 1 AND trigger_on IN (?, ?) ORDER BY id");
  q.bind_all(entity, to_string(TriggerOn::StageEnter), to_string(TriggerOn::FieldChange));
  std::vector<TriggerRow> out;
  while (q.step()) {
    auto on = q.get_text(3);
    out.push_back(TriggerRow{WorkflowRow{q.get_int(0), q.get_int(1), load_definition(ctx, q.get_text(2))},
                             stored(parse_trigger(on), on, "trigger"), q.get_opt_text(4)});
  }
  // stage_enter before field_change, each in definition order (stable).
  std::stable_sort(out.begin(), out.end(), [](const TriggerRow& a, const TriggerRow& b) {
    return a.on == TriggerOn::StageEnter && b.on != TriggerOn::StageEnter;
  });
  return out;
}

// ---- tables for the queries --------------------------------------------------------------------

Table step_table(const Context& ctx, std::int64_t request_id) {
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
  auto q = ctx.db().prepare(
      "SELECT s.id, s.round, s.step_index, s.name, s.mode, s.quorum, s.status, s.started_at, s.due_at, s.escalated_at, "
      "s.ended_at, s.trace FROM approval_steps s WHERE s.request_id = ? ORDER BY s.id");
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
    t.column(c_approvers).push_list(assignee_logins(ctx, q.get_int(0)));
    t.column(c_trace).push_text(q.get_text(11));
  }
  return t;
}

Table request_table(const Context& ctx, std::optional<std::int64_t> visible_to, const std::optional<std::string>& status,
                    const std::optional<std::string>& entity, std::optional<std::int64_t> entity_id) {
  std::string sql =
      "SELECT r.id, w.name, r.entity, r.entity_id, r.submitter_id, r.status, s.name, r.round, r.created_at "
      "FROM approval_requests r JOIN workflows w ON w.id = r.workflow_id LEFT JOIN approval_steps s ON s.id = "
      "r.current_step_id WHERE 1";
  std::vector<Value> params;
  if (visible_to) {
    sql += " AND (r.submitter_id = ? OR EXISTS (SELECT 1 FROM approval_steps s2 JOIN approval_assignees a ON a.step_id "
           "= s2.id WHERE s2.request_id = r.id AND (a.user_id = ? OR a.acted_by = ?)))";
    for (int i = 0; i < 3; ++i) params.emplace_back(*visible_to);
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
  auto q = ctx.db().prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) q.bind(static_cast<int>(i + 1), params[i]);
  return db::read_table(q, {{"id", ColumnType::Int}, {"workflow", ColumnType::Text},
                            {"entity", ColumnType::Text}, {"entity_id", ColumnType::Int},
                            {"submitter_id", ColumnType::Int}, {"status", ColumnType::Text},
                            {"current_step", ColumnType::Text}, {"round", ColumnType::Int},
                            {"created_at", ColumnType::Time}});
}

std::vector<InboxRow> open_assignments(const Context& ctx, const std::vector<std::int64_t>& users, std::int64_t user) {
  std::string in;
  for (std::size_t i = 0; i < users.size(); ++i) in += i ? ",?" : "?";
  auto q = ctx.db().prepare(
      "SELECT r.id, s.id, w.name, r.entity, r.entity_id, s.name, s.round, a.user_id, r.submitter_id, s.started_at, "
      "s.due_at FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id "
      "JOIN approval_requests r ON r.id = s.request_id JOIN workflows w ON w.id = r.workflow_id "
      "WHERE a.user_id IN (" + in + ") AND a.open = 1 AND (r.submitter_id IS NULL OR r.submitter_id <> ?) "
      "ORDER BY s.started_at, s.id, a.user_id");
  int i = 0;
  for (auto id : users) q.bind(++i, id);
  q.bind(++i, user);
  std::vector<InboxRow> out;
  while (q.step()) {
    InboxRow r;
    r.request_id = q.get_int(0);
    r.step_id = q.get_int(1);
    r.workflow = q.get_text(2);
    r.entity = q.get_text(3);
    r.entity_id = q.get_int(4);
    r.step = q.get_text(5);
    r.round = q.get_int(6);
    r.assignee = q.get_int(7);
    r.submitter = q.get_opt_int(8);
    r.started_at = q.get_int(9);
    r.due_at = q.get_opt_int(10);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crmkit::workflow::internal
