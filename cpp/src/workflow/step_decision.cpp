// The pure step-decision function (see crmkit/workflow/step_decision.hpp for the rules).
#include "crmkit/workflow/step_decision.hpp"

namespace crmkit::workflow {

StepOutcome decide_step(StepMode mode, int quorum, const std::vector<Ballot>& ballots) {
  long total = 0, yes = 0, no = 0, escalated_yes = 0, escalated_no = 0;
  for (const auto& b : ballots) {
    ++total;
    if (!b.decision) continue;
    bool approve = *b.decision == Decision::Approve;
    (approve ? yes : no) += 1;
    if (b.escalated) (approve ? escalated_yes : escalated_no) += 1;
  }
  if (escalated_no > 0) return StepOutcome::Rejected;
  if (escalated_yes > 0) return StepOutcome::Approved;
  switch (mode) {
    case StepMode::Any:
      if (yes > 0) return StepOutcome::Approved;
      return no > 0 ? StepOutcome::Rejected : StepOutcome::Pending;
    case StepMode::All:
      if (no > 0) return StepOutcome::Rejected;
      return yes >= quorum ? StepOutcome::Approved : StepOutcome::Pending;
    case StepMode::Quorum:
      if (yes >= quorum) return StepOutcome::Approved;
      return total - no < quorum ? StepOutcome::Rejected : StepOutcome::Pending;
  }
  return StepOutcome::Pending;
}

}  // namespace crmkit::workflow
