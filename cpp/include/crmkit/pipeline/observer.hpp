// crmkit/pipeline/observer.hpp — how the pipeline tells a higher layer that a record changed.
//
// The pipeline does not know about approval workflows (dependencies point from workflow to
// pipeline), yet entering a stage or changing a field may have to start an approval. Services
// that change opportunities and documents therefore accept a ChangeObserver; the Crm facade
// installs the workflow engine's. The observer runs inside the caller's write transaction, after
// the change has been written, so whatever it does commits or rolls back with the change.
//
// Thread-safety: plain values; the observer is called on the caller's thread with the database
// lock held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::pipeline {

// Field values of a record as the rule language sees them (see rules::Record): the same values
// the entity's catalog SQL yields.
using RecordValues = std::map<std::string, rules::Value>;

struct RecordChange {
  std::string entity;                        // "opportunity", or a document kind ("quote", ...)
  std::int64_t id = 0;
  bool created = false;                      // the change created the record (`before` is empty)
  std::optional<std::string> entered_stage;  // the opportunity moved into this stage
  RecordValues before;
  RecordValues after;
  std::optional<std::int64_t> actor;         // the acting user, if any
};

using ChangeObserver = std::function<void(const Context&, const RecordChange&)>;

// The name of the step a pending approval request waits at (nullopt when it waits at none), so
// that a refusal of a locked record can say where the request stands. The workflow domain, which
// owns requests, installs it when a CRM opens.
using PendingStepLookup = std::function<std::optional<std::string>(const Context&, std::int64_t request_id)>;
void set_pending_step_lookup(Engine& engine, PendingStepLookup lookup);
std::optional<std::string> pending_step(const Context& ctx, std::int64_t request_id);

}  // namespace crmkit::pipeline
