// The step-decision function on its own: no database, just modes, quorums and ballots.
#include <gtest/gtest.h>

#include <random>

#include "crmkit/workflow/states.hpp"
#include "crmkit/workflow/step_decision.hpp"

using namespace crmkit::workflow;

namespace {

constexpr auto A = Decision::Approve;
constexpr auto R = Decision::Reject;

Ballot undecided() { return Ballot{}; }
Ballot vote(Decision d) { return Ballot{d, false}; }
Ballot escalated(std::optional<Decision> d = std::nullopt) { return Ballot{d, true}; }

const char* name(StepOutcome o) {
  switch (o) {
    case StepOutcome::Pending: return "pending";
    case StepOutcome::Approved: return "approved";
    case StepOutcome::Rejected: return "rejected";
  }
  return "?";
}

#define EXPECT_OUTCOME(expected, mode, quorum, ...) \
  EXPECT_STREQ(name(decide_step(mode, quorum, {__VA_ARGS__})), name(expected))

}  // namespace

TEST(StepDecision, AnyIsSettledByTheFirstDecision) {
  EXPECT_OUTCOME(StepOutcome::Pending, StepMode::Any, 1, undecided(), undecided());
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::Any, 1, undecided(), vote(A));
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::Any, 1, vote(R), undecided(), undecided());
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::Any, 1, vote(A));
}

TEST(StepDecision, AllNeedsEveryApprovalAndFailsOnOneRejection) {
  EXPECT_OUTCOME(StepOutcome::Pending, StepMode::All, 3, vote(A), vote(A), undecided());
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::All, 3, vote(A), vote(A), vote(A));
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::All, 3, vote(A), vote(R), undecided());
  // The quorum of an "all" instance is the approvers resolved when it started: an approver added
  // later (not by escalation) does not raise it.
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::All, 2, vote(A), vote(A), undecided());
}

TEST(StepDecision, QuorumApprovesAtTheQuorumAndRejectsWhenItIsOutOfReach) {
  EXPECT_OUTCOME(StepOutcome::Pending, StepMode::Quorum, 2, vote(A), undecided(), undecided());
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::Quorum, 2, vote(A), undecided(), vote(A));
  // One of three rejected: two can still approve.
  EXPECT_OUTCOME(StepOutcome::Pending, StepMode::Quorum, 2, vote(R), undecided(), undecided());
  // Two of three rejected: at most one approval is left, fewer than the quorum.
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::Quorum, 2, vote(R), vote(R), undecided());
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::Quorum, 3, vote(A), vote(R), undecided());
  // Reaching the quorum wins even when others rejected.
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::Quorum, 2, vote(A), vote(R), vote(A));
}

TEST(StepDecision, AnEscalatedApproverDecidesOutright) {
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::All, 3, undecided(), undecided(), undecided(), escalated(A));
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::Quorum, 2, vote(R), undecided(), escalated(A));
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::Quorum, 1, vote(A), escalated(R));
  EXPECT_OUTCOME(StepOutcome::Rejected, StepMode::Any, 1, escalated(R), escalated(A));
  // Added by escalation but not decided yet: the ordinary rule applies.
  EXPECT_OUTCOME(StepOutcome::Pending, StepMode::All, 2, vote(A), undecided(), escalated());
  EXPECT_OUTCOME(StepOutcome::Approved, StepMode::All, 2, vote(A), vote(A), escalated());
}

TEST(StepDecision, StatesRoundTripThroughTheirStoredSpelling) {
  for (auto s : {RequestStatus::Pending, RequestStatus::Approved, RequestStatus::Rejected, RequestStatus::Recalled})
    EXPECT_EQ(parse_request_status(to_string(s)), s);
  for (auto s : {StepStatus::Pending, StepStatus::Approved, StepStatus::Rejected, StepStatus::Skipped,
                 StepStatus::Cancelled})
    EXPECT_EQ(parse_step_status(to_string(s)), s);
  for (auto m : {StepMode::Any, StepMode::All, StepMode::Quorum}) EXPECT_EQ(parse_step_mode(to_string(m)), m);
  for (auto t : {TriggerOn::Submit, TriggerOn::StageEnter, TriggerOn::FieldChange})
    EXPECT_EQ(parse_trigger(to_string(t)), t);
  for (auto d : {A, R}) {
    EXPECT_EQ(parse_decided(decided_text(d)), d);
    EXPECT_EQ(parse_verb(verb(d)), d);
  }
  EXPECT_EQ(to_string(RequestStatus::Recalled), "recalled");
  EXPECT_EQ(to_string(StepMode::Quorum), "quorum");
  EXPECT_EQ(decided_text(R), "rejected");
  EXPECT_EQ(verb(A), "approve");
  EXPECT_FALSE(parse_step_mode("some"));
  EXPECT_FALSE(parse_request_status("Pending"));
  EXPECT_FALSE(parse_verb("approved"));
}

// Against a reference that counts what is still possible instead of what has happened: a step is
// approved once enough approvals are in; "any" and "all" are rejected by any rejection, "quorum"
// once the approvals still possible (every assignment not rejected, an escalated one included)
// fall short of the quorum; an escalated approver's decision overrides all of it.
TEST(StepDecision, AgreesWithAReferenceOnRandomBallots) {
  std::mt19937 rng(20260101);
  for (int round = 0; round < 20000; ++round) {
    auto mode = static_cast<StepMode>(rng() % 3);
    int n = 1 + static_cast<int>(rng() % 6);
    int quorum = mode == StepMode::Any ? 1 : mode == StepMode::All ? n : 1 + static_cast<int>(rng() % n);
    bool escalation = rng() % 5 == 0;
    std::vector<Ballot> ballots;
    int approvals = 0, rejections = 0, possible = 0;
    std::optional<Decision> escalated_decision;
    for (int i = 0; i < n + (escalation ? 1 : 0); ++i) {
      Ballot b;
      b.escalated = i == n;
      auto r = rng() % 3;
      if (r == 0) b.decision = A;
      if (r == 1) b.decision = R;
      // "any" settles on its first decision, so its instances never hold two.
      if (mode == StepMode::Any && !b.escalated && approvals + rejections > 0) b.decision.reset();
      if (b.escalated) {
        escalated_decision = b.decision;
        possible += 1;  // undecided, or deciding outright anyway
      } else {
        approvals += b.decision == A;
        rejections += b.decision == R;
        possible += b.decision != R;
      }
      ballots.push_back(b);
    }
    StepOutcome expected = StepOutcome::Pending;
    if (escalated_decision)
      expected = *escalated_decision == A ? StepOutcome::Approved : StepOutcome::Rejected;
    else if (approvals >= quorum)
      expected = StepOutcome::Approved;
    else if (mode != StepMode::Quorum && rejections > 0)
      expected = StepOutcome::Rejected;
    else if (mode == StepMode::Quorum && possible < quorum)
      expected = StepOutcome::Rejected;
    auto got = decide_step(mode, quorum, ballots);
    ASSERT_STREQ(name(got), name(expected)) << "round " << round << " mode " << to_string(mode) << " quorum "
                                            << quorum << " approvals " << approvals << " rejections " << rejections;
  }
}
