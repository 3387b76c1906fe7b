// crmkit/schema/hooks.hpp — what the domains that store records do when the schema changes.
//
// Stages and custom fields are defined here, but the records that carry them live in the tables
// of higher domains (customers, contacts, opportunities, leads). Those domains install hooks when
// a CRM opens, and this domain asks them instead of reading their tables: how many records still
// stand in a stage that is being removed, and to clear a custom field's stored values when the
// field is removed. Hooks run inside the caller's transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "crmkit/context.hpp"

namespace crmkit::schema {

// How many records stand in `stage`; `noun` names them in a refusal ("customers").
using StageUsage = std::function<std::int64_t(const Context&, const std::string& stage)>;
void on_stage_usage(Engine& engine, const std::string& kind, const std::string& noun, StageUsage usage);

// Clears the stored values of custom field `name` from every record of the hook's entity.
using FieldRemoved = std::function<void(const Context&, const std::string& name)>;
void on_field_removed(Engine& engine, const std::string& entity, FieldRemoved hook);

// The hooks of a domain whose records carry `fields` JSON and a `stage` column in `table` (the
// owning domain passes its own table): clear a removed field's values; count rows in a stage.
FieldRemoved clear_field_in(std::string table);
StageUsage count_in_stage(std::string table);

namespace hooks {
// The installed usage count of stages of `kind` with its noun (nullopt: no records carry them).
struct Usage {
  std::string noun;
  std::int64_t count = 0;
};
std::optional<Usage> stage_usage(const Context& ctx, const std::string& kind, const std::string& stage);
void field_removed(const Context& ctx, const std::string& entity, const std::string& name);
}  // namespace hooks

}  // namespace crmkit::schema
