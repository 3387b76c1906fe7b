// The approval engine's shared parts: the request state machine (engine.cpp), what a request does
// to its record — locks and on_approve / on_reject actions (record_actions.cpp) —, the change
// observer's entry point (triggers.cpp) and delegation lookups (delegation.cpp). The public
// Approvals methods are spread over request_actions.cpp, queries.cpp, delegation.cpp and
// escalation.cpp; the SQL is in the request store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "request_store_internal.h"
#include "workflow_internal.h"

namespace crmkit::workflow::internal {

// ---- helpers shared by the public operations ----------------------------------------------------

EntityInfo require_entity(const Context& ctx, const std::string& entity);
LoadedRecord require_record(const Context& ctx, const EntityInfo& info, std::int64_t id);
// The acting user: a scoped view's own user, or `by` on the system view (required there).
Context actor_context(const Context& ctx, std::optional<std::int64_t> by, const std::string& what);
// The record's key fields plus the fields its reapprove_on thresholds compare.
json snapshot_of(const Definition& def, const LoadedRecord& r);
// A ledger entry about the request (workflow, version, entity, record id, round filled in).
LedgerEntry entry(const ReqRow& req, const std::string& kind);
// A comment as stored (cleaned and bounded), when given.
std::optional<std::string> clean_comment(const std::optional<std::string>& comment);

// ---- delegation -------------------------------------------------------------------------------

// Everyone `user` acts for at `now`: transitively, those who delegated to them.
std::vector<std::int64_t> delegators_of(const Context& ctx, std::int64_t user, std::int64_t now);

// ---- the record --------------------------------------------------------------------------------

// Locks the record for the request, pending at `step`; customers, opportunities and documents
// refuse edits while locked.
void lock_record(const Context& ctx, const std::string& entity, std::int64_t id, std::int64_t request,
                 const std::string& step);
void unlock_record(const Context& ctx, const std::string& entity, std::int64_t id);
// Runs an on_approve / on_reject action with the engine's rights. Changes it makes to the record
// do not start `workflow` again (the request that just decided covered them), but may start others.
void apply_action(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const Action& a,
                  const std::string& reason, const std::string& workflow);

// ---- triggers -----------------------------------------------------------------------------------

// What one change of a record may start: a reapproval round or a triggered workflow.
// `not_again` names a workflow that must not start from this change (the one whose action made it).
void on_change(const Context& ctx, const pipeline::RecordChange& change, const std::string* not_again);

// ---- the request state machine ------------------------------------------------------------------

class Engine {
 public:
  Engine(const Context& ctx, ReqRow& req, std::shared_ptr<const Definition> def, EntityInfo info)
      : ctx_(ctx), req_(req), def_(std::move(def)), info_(std::move(info)) {}
  // The record as the caller just loaded it in this transaction: the engine uses it instead of
  // reading it again, until an action changes the record.
  void knows(LoadedRecord rec) { rec_ = std::move(rec); }

  // Runs the steps from `from`: skips those whose condition is false, starts the first that runs
  // (locking the record at it), or ends the request approved when none is left.
  void run_from(std::size_t from);
  // Ends the request: clears the step, stores the snapshot, unlocks the record, appends the
  // ending entry, then runs the actions (which may start further approvals: they see it free).
  void finish(Decision outcome, std::optional<std::size_t> step_index, const LoadedRecord& rec);
  // After a decision: settles the current step when its ballots (decide_step) say so. `forced`
  // is an SLA's automatic decision.
  void settle_step(std::int64_t step_id, std::size_t index, std::optional<Decision> forced);

 private:
  // The record: the one the caller handed over, else read (and kept) once.
  const LoadedRecord& record();
  // Runs an action on the record; one that changes it makes the next record() read it again.
  void act(const Action& a, const std::string& reason);
  // The record lost its lock (between steps): what a step condition on `locked` sees.
  void unlocked();

  const Context& ctx_;
  ReqRow& req_;
  std::shared_ptr<const Definition> def_;
  EntityInfo info_;
  std::optional<LoadedRecord> rec_;
};

// Creates a request, appends its submit entry and starts its first step. The caller has checked
// permissions; Conflict when the record already has a pending request.
ReqRow start_request(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const LoadedRecord& rec,
                     const WorkflowRow& wf, std::optional<std::int64_t> submitter,
                     const std::optional<std::string>& comment, const std::string& how);

}  // namespace crmkit::workflow::internal
