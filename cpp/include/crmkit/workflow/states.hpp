// crmkit/workflow/states.hpp — the closed sets of states the approval engine works with.
//
// Requests, step instances, step modes, decisions and triggers are enums inside the engine; the
// strings stored in the database and shown to Python ("pending", "quorum", "approve", ...) are
// produced and parsed here and nowhere else, so a misspelt state cannot compile. Parsing returns
// nullopt for a string that is not one of the set (callers decide whether that is a bad
// definition or a damaged row).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crmkit::workflow {

// An approval request: pending while a step waits for decisions, then ended one of three ways.
enum class RequestStatus { Pending, Approved, Rejected, Recalled };
// One instance of a step in one round.
enum class StepStatus { Pending, Approved, Rejected, Skipped, Cancelled };
// How a step's decisions settle it (docs/workflows.md, "Steps").
enum class StepMode { Any, All, Quorum };
// What an approver decided, or what an SLA decides by itself. Stored on an assignment as
// "approved" / "rejected"; written in a definition's auto_decision as "approve" / "reject".
enum class Decision { Approve, Reject };
// What starts a workflow.
enum class TriggerOn { Submit, StageEnter, FieldChange };

std::string_view to_string(RequestStatus s);
std::string_view to_string(StepStatus s);
std::string_view to_string(StepMode m);
std::string_view to_string(TriggerOn t);
// The stored form of a decision ("approved" | "rejected"), also its past tense in messages.
std::string_view decided_text(Decision d);
// The definition's form of a decision ("approve" | "reject"), also the verb in messages.
std::string_view verb(Decision d);

std::optional<RequestStatus> parse_request_status(std::string_view s);
std::optional<StepStatus> parse_step_status(std::string_view s);
std::optional<StepMode> parse_step_mode(std::string_view s);
std::optional<TriggerOn> parse_trigger(std::string_view s);
// Accepts the stored form ("approved" | "rejected").
std::optional<Decision> parse_decided(std::string_view s);
// Accepts the definition's form ("approve" | "reject").
std::optional<Decision> parse_verb(std::string_view s);

// The step status and the request status a decision ends them with.
inline StepStatus step_status(Decision d) { return d == Decision::Approve ? StepStatus::Approved : StepStatus::Rejected; }
inline RequestStatus request_status(Decision d) {
  return d == Decision::Approve ? RequestStatus::Approved : RequestStatus::Rejected;
}

}  // namespace crmkit::workflow
