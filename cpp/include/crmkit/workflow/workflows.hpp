// crmkit/workflow/workflows.hpp — defining, validating, simulating and replaying workflows.
//
// define() stores a sound definition as a new version (the previous version of the same name
// stops being current; requests already running keep the version they started with). Defining
// and deactivating need the system view or an admin. validate() returns every problem with its
// JSON path; define() refuses a definition with problems (WorkflowError listing them).
// simulate() and replay() write nothing.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/value.hpp"
#include "crmkit/workflow/definition.hpp"

namespace crmkit::workflow {

struct WorkflowInfo {
  std::int64_t id = 0;  // the version's row id
  std::string name;
  std::int64_t version = 1;
  std::string entity;
  std::string trigger;  // "submit", "stage_enter:<stage>", "field_change"
  bool active = true;
  std::string definition;  // canonical JSON
  Timestamp created_at;
  std::vector<Problem> warnings;  // empty: kept for forward compatibility of the record shape
};

struct RoutedApprover {
  std::int64_t user_id = 0;
  std::string login;
  std::string name;
  std::string reason;  // why this user was asked (the routing trace)
};

struct RouteStep {
  std::string name;
  bool runs = true;
  std::string reason;  // why it runs or is skipped
  std::string mode;
  int quorum = 1;
  std::vector<RoutedApprover> approvers;
  std::optional<double> sla_hours;
  std::string escalate_to;
  std::optional<std::string> auto_decision;
  std::vector<std::string> notes;  // fallbacks, exclusions
};

struct Route {
  std::string workflow;
  std::int64_t version = 0;
  std::optional<std::int64_t> entity_id;
  bool applies = true;
  std::string reason;  // why the workflow applies or not
  std::vector<RouteStep> steps;
};

struct ReplayResult {
  std::vector<Route> routes;  // one per record matching `where`
  std::int64_t records = 0;   // records matching `where`
  std::int64_t requests = 0;  // of those, records the workflow would apply to
  Table per_step;             // step, requests, skipped
  Table per_approver;         // user_id, login, requests
};

class Workflows {
 public:
  explicit Workflows(Context ctx) : ctx_(std::move(ctx)) {}

  // Throws WorkflowError (not JSON, problems listed), PermissionDenied (not an admin).
  WorkflowInfo define(const std::string& definition_json);
  std::vector<Problem> validate(const std::string& definition_json) const;
  // The current version (or a given one). NotFound if unknown.
  WorkflowInfo get(const std::string& name, std::optional<std::int64_t> version = std::nullopt) const;
  // Columns: id, name, version, entity, trigger, active, created_at (current versions only unless `all`).
  Table list(bool all_versions = false) const;
  void deactivate(const std::string& name);
  // The route `record` would take: field values by name ("owner" a user id), or nothing but an
  // `entity_id` of an existing record. `submitter` defaults to the owner.
  Route simulate(const std::string& name, const std::map<std::string, Value>& record,
                 std::optional<std::int64_t> entity_id = std::nullopt,
                 std::optional<std::int64_t> submitter = std::nullopt) const;
  // Routes every existing record of the draft's entity matching `where` (a rule; all records when
  // empty) through the draft. Throws WorkflowError if the draft has problems (overlap with the
  // active workflows is not one: a draft is meant to replace them).
  ReplayResult replay(const std::string& definition_json, const std::optional<std::string>& where) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::workflow
