// crmkit/pipeline/opportunities.hpp — opportunities (商机) in the configurable pipeline.
//
// An opportunity belongs to a customer and an owner, has an amount, an expected close date, a
// stage of the pipeline (crm.pipeline) with the stage's probability unless overridden, custom
// fields (entity "opportunity"), and a status: open, won or lost. Every stage change is one row
// of the stage history (opportunity_stage_history: from, to, when, who), from which reports
// compute stage durations and velocity.
//
// A record locked by a pending approval request (locked_by_request) refuses every change with
// Conflict until the request ends. Changes are reported to the ChangeObserver (the workflow
// engine), which may start an approval in the same transaction. Every call is one transaction
// and changes nothing when it throws. Scoped views see and change only what the role's
// "opportunities" scope covers. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/pipeline/opportunity.hpp"
#include "crmkit/table.hpp"

namespace crmkit::pipeline {

struct OpportunityQuery {
  std::optional<std::int64_t> owner;
  std::optional<std::int64_t> customer;
  std::optional<std::string> stage;
  std::optional<std::string> status;
  std::optional<std::string> where;  // a rule over the opportunity catalog
  std::int64_t limit = -1;
  std::int64_t offset = 0;
};

class Opportunities {
 public:
  explicit Opportunities(Context ctx, ChangeObserver observer = {})
      : ctx_(std::move(ctx)), observer_(std::move(observer)) {}

  // Starts in the first pipeline stage unless `stage` is given. The owner defaults to the acting
  // user. Throws ValidationError naming the field, NotFound (customer/owner), PermissionDenied.
  Opportunity add(const OpportunityInput& input);
  Opportunity get(std::int64_t id) const;
  // Changes attributes and custom fields. A stage given here is recorded like advance().
  // Conflict if `expected_version` is stale or the record is locked by an approval.
  Opportunity update(std::int64_t id, const OpportunityInput& changes,
                     std::optional<std::int64_t> expected_version = std::nullopt,
                     std::optional<std::int64_t> by = std::nullopt);
  // Moves an open opportunity to `stage` (default: the next stage). May start an approval.
  Opportunity advance(std::int64_t id, const std::optional<std::string>& stage = std::nullopt,
                      std::optional<std::int64_t> by = std::nullopt);
  // Closes as won (stage: the first stage with probability 1, if any) or lost (the last stage
  // with probability 0, if any; the reason is required).
  Opportunity win(std::int64_t id, std::optional<std::int64_t> by = std::nullopt);
  Opportunity lose(std::int64_t id, const std::string& reason, std::optional<std::int64_t> by = std::nullopt);
  // Opens a closed opportunity again, in `stage` or the stage it had before it was closed.
  Opportunity reopen(std::int64_t id, const std::optional<std::string>& stage = std::nullopt,
                     std::optional<std::int64_t> by = std::nullopt);
  // Columns: id, customer_id, title, amount, owner_id, close_date, stage, probability, status,
  // lost_reason, locked_by_request, created_at, updated_at, closed_at, version, then the custom
  // fields. Ordered by id.
  Table find(const OpportunityQuery& query) const;
  // Columns: id, opportunity_id, from_stage, to_stage, at, actor_id, actor, reason; oldest first.
  Table stage_history(std::int64_t id) const;
  // Field-level history (amount, title, ...), oldest first; the creation is the first row.
  Table history(std::int64_t id) const;

 private:
  Context ctx_;
  ChangeObserver observer_;
};

class Documents {
 public:
  explicit Documents(Context ctx, ChangeObserver observer = {})
      : ctx_(std::move(ctx)), observer_(std::move(observer)) {}
  // Registers a document kind (admin). Kinds "quote" and "contract" exist from the start.
  void define_kind(const std::string& kind);
  std::vector<std::string> kinds() const;
  // The opportunity must be visible and not locked. Throws ValidationError for an unknown kind.
  Document add(std::int64_t opportunity_id, const std::string& kind, const DocumentInput& input);
  Document get(std::int64_t id) const;
  Document update(std::int64_t id, const DocumentInput& changes,
                  std::optional<std::int64_t> expected_version = std::nullopt);
  // Columns: id, opportunity_id, kind, title, amount, discount, locked_by_request, created_at,
  // updated_at, version.
  Table list(std::int64_t opportunity_id) const;

 private:
  Context ctx_;
  ChangeObserver observer_;
};

}  // namespace crmkit::pipeline
