// crmkit/workflow/definition.hpp — approval workflow definitions as data, and their validation.
//
// A definition is a JSON object (docs/workflows.md): name, entity ("opportunity", "customer" or a
// document kind such as "quote"), trigger ({"on": "submit" | "stage_enter" | "field_change"}),
// an entry condition `when` (a rule), ordered steps (approvers, mode, an optional condition, an
// optional SLA with escalation or an automatic decision, actions), workflow-level on_approve /
// on_reject actions and reapprove_on thresholds.
//
// Validation reports every problem with the JSON path it is about ("$.steps[1].approvers").
// Thread-safety: plain values; validation reads the database inside the caller's transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/rules/rule.hpp"
#include "crmkit/value.hpp"
#include "crmkit/workflow/states.hpp"

namespace crmkit::workflow {

struct Problem {
  std::string path;     // JSON path, e.g. "$.steps[1].quorum"
  std::string message;  // what is wrong and what to do
};

// One approver expression: owner.manager^N, submitter.manager^N, {"role": r}, {"team_lead": t},
// {"users": [...]}; for escalation also approver.manager^N.
struct ApproverSpec {
  enum class Kind { OwnerManager, SubmitterManager, ApproverManager, Role, TeamLead, Users, Owner, Submitter };
  Kind kind = Kind::OwnerManager;
  int levels = 1;
  std::string role;
  std::optional<std::int64_t> team_id;
  std::vector<std::int64_t> users;
  std::string text;  // as it would be written, for traces and messages
};

struct Action {
  bool advance = false;                  // move to the next pipeline stage
  std::optional<std::string> stage;      // move (return) to this stage
  std::map<std::string, Value> set;      // set fields of the record
  bool empty() const { return !advance && !stage && set.empty(); }
};

struct Step {
  std::string name;
  std::vector<ApproverSpec> approvers;
  StepMode mode = StepMode::Any;
  int quorum = 1;
  std::optional<rules::Rule> when;
  std::optional<double> sla_hours;
  std::vector<ApproverSpec> escalate_to;
  std::optional<Decision> auto_decision;  // what the step decides when its SLA passes
  Action on_approve;
  Action on_reject;
};

// "increase > 10%", "decrease > 5%", "change > 10%", "increase > 50000", "change".
struct Reapprove {
  std::string field;
  std::string direction = "change";
  double threshold = 0;
  bool percent = false;
  std::string text;
};

struct Definition {
  std::string name;
  std::string entity;
  std::string description;
  TriggerOn trigger_on = TriggerOn::Submit;
  std::optional<std::string> trigger_stage;
  std::optional<rules::Rule> trigger_when;
  std::optional<rules::Rule> when;
  std::vector<Step> steps;
  Action on_approve;
  Action on_reject;
  std::vector<Reapprove> reapprove_on;
  bool active = true;
  std::string json;  // the canonical JSON text
};

}  // namespace crmkit::workflow
