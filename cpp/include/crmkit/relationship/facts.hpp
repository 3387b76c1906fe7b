// crmkit/relationship/facts.hpp — the derived per-customer facts (customer_facts).
//
// One row per customer holds last_contact_at, interaction_count, order_count, lifetime value,
// first/last order time, satisfaction sum and count, and open tickets. Every write of the
// relationship domain updates the row in its own transaction, so the facts are always current;
// days_since_contact and avg_satisfaction are derived when read. `rebuild()` recomputes every row
// from the underlying records (and must agree with the incremental maintenance); `mismatches()`
// reports rows that disagree, without changing anything. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"

namespace crmkit::relationship {

class Facts {
 public:
  explicit Facts(Context ctx) : ctx_(std::move(ctx)) {}

  // Throws NotFound / PermissionDenied unless the customer exists and is in scope.
  customers::CustomerFacts get(std::int64_t customer_id) const;
  // Recomputes every customer's facts from interactions, orders and tickets; returns how many rows
  // changed (0 when incremental maintenance was exact). Needs the admin role.
  std::int64_t rebuild();
  // Customers whose stored facts differ from a recomputation, ascending. Writes nothing.
  std::vector<std::int64_t> mismatches() const;

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
