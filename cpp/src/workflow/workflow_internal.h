// Shared by the workflow sources: entity adapters, definition analysis, routing and the ledger.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/evaluate.hpp"
#include "crmkit/table.hpp"
#include "crmkit/workflow/definition.hpp"
#include "crmkit/workflow/workflows.hpp"

namespace crmkit::workflow::internal {

using json = nlohmann::json;
using pipeline::RecordValues;

// ---- entities ---------------------------------------------------------------------------------

struct EntityInfo {
  std::string entity;       // "opportunity", "customer" or a document kind
  std::string table_alias;  // the FROM clause: pipeline::kOpportunityFrom, customers::rule_from(), pipeline::kDocumentFrom
  std::string alias;        // the record's table alias in it: "o", "c", "d"
  std::string scope;        // the role scope that governs it ("opportunities", "customers")
  rules::Catalog catalog;
  bool is_document = false;
};

// nullopt for an unknown entity.
std::optional<EntityInfo> entity_info(const Context& ctx, const std::string& entity);
std::string known_entities(const Context& ctx);

struct LoadedRecord {
  RecordValues values;
  std::vector<std::string> tags;
  std::vector<std::string> groups;
  std::optional<std::int64_t> owner;
};
std::optional<LoadedRecord> load_record(const Context& ctx, const EntityInfo& info, std::int64_t id);

class MapRecord : public rules::Record {
 public:
  explicit MapRecord(const LoadedRecord& r) : r_(r) {}
  rules::Value get(const rules::FieldInfo& field) const override;
  bool has_tag(std::string_view tag) const override;
  bool in_group(std::string_view group) const override;

 private:
  const LoadedRecord& r_;
};

// The record's key fields for the ledger (title, name, amount, stage, status, owner, ...).
json key_fields(const LoadedRecord& r);
json to_json(const rules::Value& v);

// ---- definitions ------------------------------------------------------------------------------

struct Analysis {
  std::shared_ptr<const Definition> def;  // set when the JSON parsed far enough to be used
  std::vector<Problem> problems;
};

struct AnalyzeOptions {
  bool check_database = true;  // roles, users, teams, empty approver sets, overlap, cycles
  bool check_overlap = true;
};

// Parses and checks a definition (text). Never throws for a bad definition: problems are listed.
Analysis analyze(const Context& ctx, const std::string& text, const AnalyzeOptions& options);
// A stored definition (already validated when defined); cached per canonical text.
std::shared_ptr<const Definition> load_definition(const Context& ctx, const std::string& text);
std::string problems_text(const std::vector<Problem>& problems);

// ---- routing ----------------------------------------------------------------------------------

struct Routed {
  std::vector<RoutedApprover> approvers;
  std::vector<std::string> notes;
};

// Resolves a step's approvers for a record owned by `owner` and submitted by `submitter`: the
// submitter is never among them; an empty set (or one too small for the quorum) is topped up
// with the next manager up the owner's chain, then an admin, and the notes say so. Throws
// WorkflowError when nobody at all can approve.
Routed route_step(const Context& ctx, const Step& step, std::optional<std::int64_t> owner,
                  std::optional<std::int64_t> submitter, std::int64_t now);
// The escalation targets of a step (escalate_to) given its current approvers.
Routed route_escalation(const Context& ctx, const Step& step, std::optional<std::int64_t> owner,
                        std::optional<std::int64_t> submitter, const std::vector<std::int64_t>& current);
std::string user_login(const Context& ctx, std::int64_t id);

// Whether the step's condition holds, and a human-readable reason.
std::pair<bool, std::string> step_condition(const Step& step, const LoadedRecord& r, std::int64_t now);
std::pair<bool, std::string> workflow_condition(const Definition& def, const LoadedRecord& r, std::int64_t now);

Route simulate_route(const Context& ctx, const Definition& def, std::int64_t version, const LoadedRecord& r,
                     std::optional<std::int64_t> entity_id, std::optional<std::int64_t> submitter);

// ---- ledger -----------------------------------------------------------------------------------

struct LedgerEntry {
  std::string kind;
  std::optional<std::int64_t> request_id;
  std::optional<std::string> workflow;
  std::optional<std::int64_t> workflow_version;
  std::optional<std::string> entity;
  std::optional<std::int64_t> entity_id;
  std::optional<std::string> step;
  std::optional<std::int64_t> round;
  std::optional<std::int64_t> actor_id;
  std::optional<std::int64_t> on_behalf_of;
  std::optional<std::string> comment;
  json record;  // null when not about a record
  json detail;  // null when nothing else to say
};

// Appends inside the caller's write transaction; returns the new entry's hash.
std::string append(const Context& ctx, const LedgerEntry& entry);
// The entries of one request, oldest first (see Approvals::history for the columns).
Table request_history(const Context& ctx, std::int64_t request_id);

}  // namespace crmkit::workflow::internal
