// crmkit/workflow/step_decision.hpp — when a step instance is decided, as a pure function.
//
// A step instance has a mode, a quorum (the approvals it needs: 1 for "any", the number of
// approvers resolved when it started for "all", the definition's quorum for "quorum") and one
// ballot per assigned approver. decide_step() says whether those ballots settle the step:
//   - a decision by an approver added through SLA escalation decides the step outright (a
//     rejection first), because escalation hands the step to someone above the approvers;
//   - "any": the first approval approves, else the first rejection rejects;
//   - "all": one rejection rejects; `quorum` approvals approve;
//   - "quorum": `quorum` approvals approve; it is rejected as soon as the approvers who have not
//     rejected can no longer reach the quorum.
// The engine stores the ballots and acts on the outcome; this function reads nothing and writes
// nothing, so every rule above is tested without a database.
// Thread-safety: pure.
#pragma once

#include <optional>
#include <vector>

#include "crmkit/workflow/states.hpp"

namespace crmkit::workflow {

struct Ballot {
  std::optional<Decision> decision;  // empty while the approver has not decided
  bool escalated = false;            // added by SLA escalation
};

enum class StepOutcome { Pending, Approved, Rejected };

StepOutcome decide_step(StepMode mode, int quorum, const std::vector<Ballot>& ballots);

}  // namespace crmkit::workflow
