// crmkit/events/events.hpp — `crm.events`: reading the change feed, for webhooks and sync.
//
// since(cursor, limit) returns the committed events after `cursor` in commit order (ascending
// id): pass the last id of one page as the cursor of the next and no event is missed or seen
// twice; rolled-back work never appears. A cursor older than what the feed retains raises
// Conflict (the reader has lost events and must resynchronise), so a gap is never silent.
// Scoped views see the events of entities currently in their scope: customer-owned entities
// through the customer's owner under the "customers" scope, opportunities and leads through their
// own owner under theirs; events of deleted records are visible to unscoped views only.
//
// Thread-safety: a value object over a Context; see Database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::events {

// How the domain that owns some entities decides which of their events a scoped view sees. The
// feed names no domain's tables: each domain installs its part when a CRM opens. `condition`
// returns a boolean SQL condition over the event row `e` (e.entity_id, e.customer_id), appending
// its parameters; it is asked only for principals that do not see everything.
struct VisibilityPart {
  // The entities the part decides; empty for the fallback part, which decides every entity no
  // other part names (the records that belong to a customer).
  std::vector<std::string> entities;
  std::function<std::string(const org::Principal&, std::vector<std::int64_t>& params)> condition;
};
void add_visibility_part(Engine& engine, VisibilityPart part);

// The largest page since() returns.
inline constexpr std::int64_t kMaxLimit = 10'000;

class Events {
 public:
  explicit Events(Context ctx) : ctx_(std::move(ctx)) {}

  // Table: id, at, kind, entity, entity_id, customer_id, payload (JSON {"fields": [...]}).
  // Throws ValidationError (field "cursor" or "limit") for a negative cursor, a cursor beyond the
  // newest event, or a limit outside 1..kMaxLimit; Conflict when events after `cursor` were
  // already trimmed.
  Table since(std::int64_t cursor = 0, std::int64_t limit = 100) const;
  // The newest event id (0 when none was ever written): the cursor that starts "from now".
  std::int64_t latest() const;
  // The oldest event id still retained (latest() + 1 when none is).
  std::int64_t oldest() const;

 private:
  Context ctx_;
};

}  // namespace crmkit::events
