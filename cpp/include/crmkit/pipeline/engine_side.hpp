// crmkit/pipeline/engine_side.hpp — what the workflow engine does to pipeline records on behalf
// of an approval. It holds the record's lock, so these changes bypass the lock check, and it acts
// with the rights of the workflow definition rather than of a user's scope. Only the workflow
// domain (above pipeline) calls them; the pipeline's own services use them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/pipeline/opportunity.hpp"

namespace crmkit::pipeline::engine_side {

// The context a call acts in: `by` (a user id) on the system view acts as that user (scope and
// attribution); on a scoped view `by` must be the view's own user (PermissionDenied otherwise).
Context acting(const Context& ctx, std::optional<std::int64_t> by);

// A copy of `ctx` whose principal keeps its user (for attribution) but sees everything.
Context elevated(const Context& ctx);

std::optional<Opportunity> load_opportunity(const Context& ctx, std::int64_t id);
std::optional<Document> load_document(const Context& ctx, std::int64_t id);

// Changes of an opportunity or document: no scope or lock check; history, stage history and the
// observer as for a user's change. `reason` is written to history.
Opportunity engine_move_stage(const Context& ctx, std::int64_t id, const std::string& stage,
                              const std::string& reason, const ChangeObserver& observer);
Opportunity engine_update(const Context& ctx, std::int64_t id, const OpportunityInput& changes,
                          const std::string& reason, const ChangeObserver& observer);
Document engine_update_document(const Context& ctx, std::int64_t id, const DocumentInput& changes,
                                const std::string& reason, const ChangeObserver& observer);

// Sets or clears the lock column of an opportunity or a document (entity: "opportunity" or a
// document kind). No effect for other entities.
void set_lock(const Context& ctx, const std::string& entity, std::int64_t id, std::optional<std::int64_t> request);
// The customer an opportunity or document belongs to (empty when none, or no such record).
std::optional<std::int64_t> customer_of(const Context& ctx, const std::string& entity, std::int64_t id);

}  // namespace crmkit::pipeline::engine_side
