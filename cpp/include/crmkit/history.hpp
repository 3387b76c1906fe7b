// crmkit/history.hpp — the field-level change history of every record.
//
// Each change is one row: entity, id, field, old value, new value (as text), the acting user,
// the time, and an optional reason (e.g. the auto-tag rule or pool rule that made the change).
// Written inside the same transaction as the change itself. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/value.hpp"

namespace crmkit::history {

// Appends one change. Values are already rendered as text (nullopt = empty / NULL).
void record(const Context& ctx, const std::string& entity, std::int64_t entity_id, const std::string& field,
            const std::optional<std::string>& old_value, const std::optional<std::string>& new_value,
            const std::optional<std::string>& reason = std::nullopt);

// Appends one change of `field` per row of `rows_sql`, a SELECT of (entity_id, old_value,
// new_value, reason) whose placeholders are numbered (?1, ?2, ...) and bound from `params`, in
// the order of entity_id: the bulk form of record() for records one statement changed together
// (the pool's reclaim). Returns the number of changes written.
std::int64_t record_each(const Context& ctx, const std::string& entity, const std::string& field,
                         const std::string& rows_sql, const std::vector<Value>& params);

// Hands the changes of record `from` to record `to` of the same entity: a merge, where the dropped
// record's history becomes part of the kept one's.
void move(const Context& ctx, const std::string& entity, std::int64_t from, std::int64_t to);

// The changes of one record, oldest first. Columns: id, at, actor_id, actor, field, old, new,
// reason. No scope check here: callers check that the record is visible first. When `created_at`
// is given, the first row is the record's creation (field "created", by `created_by`), which is
// kept on the record itself rather than as a history row so that bulk inserts stay one row each.
Table list(const Context& ctx, const std::string& entity, std::int64_t entity_id,
           std::optional<std::int64_t> created_at = std::nullopt,
           std::optional<std::int64_t> created_by = std::nullopt);

}  // namespace crmkit::history
