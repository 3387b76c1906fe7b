// The request store: the only code that names the approval engine's tables in SQL
// (approval_requests, approval_steps, approval_assignees, delegations, and the engine's reads of
// workflows). Everything above it (the state machine, actions, delegation, escalation, triggers,
// queries) speaks in rows and enums; the states are stored as the strings of states.hpp.
// Every function runs inside the caller's transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "crmkit/workflow/definition.hpp"
#include "crmkit/workflow/states.hpp"
#include "crmkit/workflow/step_decision.hpp"

namespace crmkit::workflow::internal {

// ---- requests ---------------------------------------------------------------------------------

// A request with its workflow version and current step, as the engine works on it.
struct ReqRow {
  std::int64_t id = 0;
  std::string workflow;
  std::int64_t workflow_version = 1;
  std::int64_t workflow_id = 0;
  std::string definition;
  std::string entity;
  std::int64_t entity_id = 0;
  std::optional<std::int64_t> submitter;
  RequestStatus status = RequestStatus::Pending;
  std::int64_t round = 1;
  std::optional<std::int64_t> step_id;
  std::optional<std::string> step_name;
  std::optional<std::int64_t> step_index;
  std::string snapshot;
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> ended_at;
  std::int64_t version = 1;

  // The request as stored when it was loaded or last written, so that update_request's event
  // names only the fields that changed; and the customer its record belongs to (looked up for
  // the first event, empty for a record of no customer).
  struct Stored {
    RequestStatus status = RequestStatus::Pending;
    std::int64_t round = 1;
    std::optional<std::int64_t> step_id, ended_at;
    std::string snapshot;
  } stored;
  std::optional<std::optional<std::int64_t>> customer_id;
  void mark_stored() { stored = Stored{status, round, step_id, ended_at, snapshot}; }

  Request to_request() const;
  // No current step (the request has ended, or is between steps).
  void clear_step() {
    step_id.reset();
    step_name.reset();
    step_index.reset();
  }
};

std::optional<ReqRow> load_request(const Context& ctx, std::int64_t id);
// NotFound when it does not exist.
ReqRow require_request(const Context& ctx, std::int64_t id);
// The pending request on a record, if any.
std::optional<std::int64_t> pending_on(const Context& ctx, const std::string& entity, std::int64_t id);
// Inserts a pending request in round 1 and returns it (no step yet).
ReqRow insert_request(const Context& ctx, std::int64_t workflow_id, const std::string& workflow,
                      std::int64_t workflow_version, const std::string& entity, std::int64_t entity_id,
                      std::optional<std::int64_t> submitter, const std::string& snapshot);
// Writes status, round, current step, snapshot and ended_at; bumps version and updated_at. Both
// this and insert_request put the request on the change feed (entity "approval_request", under
// its record's customer), so an application can follow approvals as it follows records.
void update_request(const Context& ctx, ReqRow& req);
// Of each workflow's latest request on the record, those that ended approved (newest first).
std::vector<std::int64_t> latest_approved_requests(const Context& ctx, const std::string& entity, std::int64_t id);

// ---- step instances and assignments -----------------------------------------------------------

struct StepRow {
  std::int64_t request_id = 0;
  std::int64_t round = 1;
  std::int64_t index = 0;
  std::string name;
  StepMode mode = StepMode::Any;
  int quorum = 1;
  std::string trace;  // JSON
};

void insert_skipped_step(const Context& ctx, const StepRow& s, std::int64_t now);
// Returns the new step instance's id.
std::int64_t insert_pending_step(const Context& ctx, const StepRow& s, std::int64_t now,
                                 std::optional<std::int64_t> due_at);
// Ends a step instance (approved, rejected or cancelled) and closes its open assignments.
void end_step(const Context& ctx, std::int64_t step_id, StepStatus status, std::int64_t now);
// Closes the step's open assignments without a decision.
void close_assignments(const Context& ctx, std::int64_t step_id);

// Adds an approver to a step instance. An escalated approver is marked as such (their decision
// settles the step outright); adding someone already assigned changes nothing.
void add_assignee(const Context& ctx, std::int64_t step_id, std::int64_t user, const std::string& reason,
                  bool escalated);
// The step instance's stored quorum and one ballot per assignee.
struct Tally {
  StepMode mode = StepMode::Any;
  int quorum = 1;
  std::vector<Ballot> ballots;
};
Tally tally(const Context& ctx, std::int64_t step_id);
// The assignees' user ids (ascending) and logins (by user id, for messages).
std::vector<std::int64_t> assignees(const Context& ctx, std::int64_t step_id);
std::vector<std::string> assignee_logins(const Context& ctx, std::int64_t step_id);

struct Assignment {
  bool open = false;
  std::optional<Decision> decision;
};
std::optional<Assignment> assignment(const Context& ctx, std::int64_t step_id, std::int64_t user);
void record_decision(const Context& ctx, std::int64_t step_id, std::int64_t assignee, Decision decision,
                     std::int64_t acted_by, std::int64_t now, const std::optional<std::string>& comment);
// The latest other step instance of this round the user was asked on or acted on: name, status.
std::optional<std::pair<std::string, std::string>> earlier_step_of(const Context& ctx, std::int64_t request_id,
                                                                   std::int64_t round, std::int64_t user,
                                                                   std::int64_t current_step_id);
// Whether the user is or was an approver of the request (or acted on it as a delegate).
bool involved_in(const Context& ctx, std::int64_t request_id, std::int64_t user);
// Whether the user is or was assigned on the request.
bool assigned_on(const Context& ctx, std::int64_t request_id, std::int64_t user);

// Pending step instances past their due time and not escalated yet: (step id, request id).
std::vector<std::pair<std::int64_t, std::int64_t>> overdue_steps(const Context& ctx, std::int64_t now);
void mark_escalated(const Context& ctx, std::int64_t step_id, std::int64_t now);

// ---- delegations ------------------------------------------------------------------------------

// Users who delegated to `user` directly, in force at `now`.
std::vector<std::int64_t> direct_delegators(const Context& ctx, std::int64_t user, std::int64_t now);
// Users `delegator` delegated to in a window overlapping [start, end), not revoked.
std::vector<std::int64_t> delegates_overlapping(const Context& ctx, std::int64_t delegator, std::int64_t start,
                                                std::int64_t end);
std::int64_t insert_delegation(const Context& ctx, std::int64_t delegator, std::int64_t to, std::int64_t start,
                               std::int64_t end, std::optional<std::int64_t> created_by, std::int64_t now);
struct DelegationRow {
  std::int64_t delegator = 0;
  std::int64_t delegate = 0;
  bool revoked = false;
};
std::optional<DelegationRow> load_delegation(const Context& ctx, std::int64_t id);
void mark_revoked(const Context& ctx, std::int64_t id, std::int64_t now);
// Columns: id, delegator_id, delegate_id, start, end, revoked_at; all, or those `user` is part of.
Table delegation_table(const Context& ctx, std::optional<std::int64_t> user);

// ---- workflows as the engine reads them --------------------------------------------------------

struct WorkflowRow {
  std::int64_t id = 0;
  std::int64_t version = 0;
  std::shared_ptr<const Definition> def;
};
// The current version of a workflow by name; WorkflowError when it is deactivated.
std::optional<WorkflowRow> current_workflow(const Context& ctx, const std::string& name);
// Names of the current, active submit workflows of an entity, in definition order.
std::vector<std::string> submit_workflows(const Context& ctx, const std::string& entity);
// Current, active stage_enter and field_change workflows of an entity: stage_enter first, each
// in definition order (the order triggers are tried in).
struct TriggerRow {
  WorkflowRow wf;
  TriggerOn on = TriggerOn::Submit;
  std::optional<std::string> stage;
};
std::vector<TriggerRow> trigger_workflows(const Context& ctx, const std::string& entity);

// ---- tables for the queries --------------------------------------------------------------------

// See Approvals::steps.
Table step_table(const Context& ctx, std::int64_t request_id);
// See Approvals::list; `visible_to` limits it to requests the user submitted or was asked on.
Table request_table(const Context& ctx, std::optional<std::int64_t> visible_to, const std::optional<std::string>& status,
                    const std::optional<std::string>& entity, std::optional<std::int64_t> entity_id);
// One row per open assignment of any of `users` on requests not submitted by `user`, oldest
// step first: request_id, step_id, workflow, entity, entity_id, step, round, assignee,
// submitter_id, started_at, due_at.
struct InboxRow {
  std::int64_t request_id = 0, step_id = 0;
  std::string workflow, entity;
  std::int64_t entity_id = 0;
  std::string step;
  std::int64_t round = 1;
  std::int64_t assignee = 0;
  std::optional<std::int64_t> submitter;
  std::int64_t started_at = 0;
  std::optional<std::int64_t> due_at;
};
std::vector<InboxRow> open_assignments(const Context& ctx, const std::vector<std::int64_t>& users, std::int64_t user);

}  // namespace crmkit::workflow::internal
