// crmkit/history.hpp — the field-level change history of every record.
//
// Each change is one row: entity, id, field, old value, new value (as text), the acting user,
// the time, and an optional reason (e.g. the auto-tag rule or pool rule that made the change).
// Written inside the same transaction as the change itself. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::history {

// Appends one change. Values are already rendered as text (nullopt = empty / NULL).
void record(const Context& ctx, const std::string& entity, std::int64_t entity_id, const std::string& field,
            const std::optional<std::string>& old_value, const std::optional<std::string>& new_value,
            const std::optional<std::string>& reason = std::nullopt);

// The changes of one record, oldest first. Columns: id, at, actor_id, actor, field, old, new,
// reason. No scope check here: callers check that the record is visible first. When `created_at`
// is given, the first row is the record's creation (field "created", by `created_by`), which is
// kept on the record itself rather than as a history row so that bulk inserts stay one row each.
Table list(const Context& ctx, const std::string& entity, std::int64_t entity_id,
           std::optional<std::int64_t> created_at = std::nullopt,
           std::optional<std::int64_t> created_by = std::nullopt);

}  // namespace crmkit::history
