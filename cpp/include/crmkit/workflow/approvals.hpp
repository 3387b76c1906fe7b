// crmkit/workflow/approvals.hpp — the approval engine: requests, decisions, delegation, SLAs.
//
// A request runs one workflow version over one record in rounds. Submitting starts the first step
// whose condition holds (skipped steps are logged) and locks the record; each step instance keeps
// who was resolved as approver and why. Rules that always hold: nobody approves their own request;
// each approver acts once per step and round; a decision on a step that is no longer current is a
// Conflict; a locked record refuses edits until the request ends. Every submission, decision,
// skip, escalation, recall and delegation is appended to the hash-chained ledger in the same
// transaction. A scoped view acts as its user; the system view must name the acting user (`by`).
// Every call is one transaction and changes nothing when it throws (approve_many: one transaction
// for the batch, each request in its own savepoint — see there).
// Thread-safety: see Database. Several processes may decide at once: BEGIN IMMEDIATE serialises
// them, and the loser of a race gets Conflict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::workflow {

struct Request {
  std::int64_t id = 0;
  std::string workflow;
  std::int64_t workflow_version = 1;
  std::string entity;
  std::int64_t entity_id = 0;
  std::optional<std::int64_t> submitter_id;
  std::string status;                       // pending | approved | rejected | recalled
  std::optional<std::string> current_step;  // the step's name; empty when ended
  std::int64_t round = 1;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> ended_at;
  std::int64_t version = 1;
};

struct BatchResult {
  std::int64_t request_id = 0;
  bool ok = false;
  std::optional<std::string> status;        // the request's status afterwards, when ok
  std::optional<std::string> current_step;
  std::optional<std::string> error;         // the error class name ("Conflict", ...) when not ok
  std::optional<std::string> message;
};

struct Delegation {
  std::int64_t id = 0;
  std::int64_t delegator_id = 0;
  std::int64_t delegate_id = 0;
  Timestamp start;
  Timestamp end;
};

class Approvals {
 public:
  explicit Approvals(Context ctx) : ctx_(std::move(ctx)) {}

  // Starts a request for a record. `workflow` names it; when empty, the one active "submit"
  // workflow of the entity whose condition holds. Throws WorkflowError (no or several workflows,
  // condition false, nobody can approve), Conflict (a pending request or lock exists),
  // PermissionDenied (record outside the submitter's scope; system view without `by`).
  Request submit(const std::string& entity, std::int64_t entity_id, const std::optional<std::string>& workflow,
                 std::optional<std::int64_t> by = std::nullopt, const std::optional<std::string>& comment = std::nullopt);
  // `step`, when given, must be the current step's name (Conflict otherwise).
  Request approve(std::int64_t request_id, std::optional<std::int64_t> by = std::nullopt,
                  const std::optional<std::string>& comment = std::nullopt,
                  const std::optional<std::string>& step = std::nullopt);
  Request reject(std::int64_t request_id, std::optional<std::int64_t> by = std::nullopt,
                 const std::optional<std::string>& comment = std::nullopt,
                 const std::optional<std::string>& step = std::nullopt);
  // Approves many requests as one user in one call: one result per id, in order. The batch is one
  // transaction and each request its own savepoint inside it, so a request that is refused
  // (NotFound, PermissionDenied, Conflict, WorkflowError, ValidationError) reports its error and
  // changes nothing while the others are decided; each decision writes the same rows and ledger
  // entry as approve(), and all carry the batch's one instant. `step`, when given, is the step
  // every request must be at (Conflict for one that is not). A storage failure aborts the whole
  // batch (nothing is written) and is thrown.
  std::vector<BatchResult> approve_many(const std::vector<std::int64_t>& ids, std::optional<std::int64_t> by,
                                        const std::optional<std::string>& comment = std::nullopt,
                                        const std::optional<std::string>& step = std::nullopt);
  Request recall(std::int64_t request_id, std::optional<std::int64_t> by = std::nullopt,
                 const std::optional<std::string>& comment = std::nullopt);
  Request resubmit(std::int64_t request_id, std::optional<std::int64_t> by = std::nullopt,
                   const std::optional<std::string>& comment = std::nullopt);
  Request get(std::int64_t request_id) const;
  // The ledger entries of one request, oldest first. Columns: id, at, kind, step, round, actor_id,
  // actor, on_behalf_of, comment, record, detail.
  Table history(std::int64_t request_id) const;
  // Step instances of one request. Columns: id, round, step_index, name, mode, quorum, status,
  // started_at, due_at, escalated_at, ended_at, approvers (logins), trace (JSON).
  Table steps(std::int64_t request_id) const;
  // Columns: id, workflow, entity, entity_id, submitter_id, status, current_step, round, created_at.
  Table list(const std::optional<std::string>& status = std::nullopt,
             const std::optional<std::string>& entity = std::nullopt,
             std::optional<std::int64_t> entity_id = std::nullopt) const;

  // `delegate` acts in `delegator`'s name from `start` to `end`. WorkflowError for a loop or an
  // empty window; PermissionDenied unless the view is the delegator's or the system/admin.
  Delegation delegate(std::int64_t delegator, std::int64_t to, Timestamp start, Timestamp end);
  void revoke_delegation(std::int64_t delegation_id);
  // Columns: id, delegator_id, delegate_id, start, end, revoked_at.
  Table delegations(std::optional<std::int64_t> user = std::nullopt) const;

  // Pending steps `user` may act on now (own assignments and those of users who delegated to
  // them), oldest first. Columns: request_id, step_id, workflow, entity, entity_id, step, round,
  // on_behalf_of, submitter_id, started_at, due_at.
  Table inbox(std::int64_t user) const;
  // Applies the SLA escalations and automatic decisions that are due by the clock. Columns:
  // request_id, step, action ("escalated" | "approved" | "rejected"), users (who was added).
  Table escalate_overdue();

 private:
  Context ctx_;
};

// The observer the Crm facade installs into the pipeline services: starts stage_enter and
// field_change workflows and reapproval rounds.
pipeline::ChangeObserver change_observer();

}  // namespace crmkit::workflow
