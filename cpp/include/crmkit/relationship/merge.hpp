// crmkit/relationship/merge.hpp — the relationship domain's part of merging two customers.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"

namespace crmkit::relationship {

// Moves the interactions, tasks, tickets, orders and pool claims of customer `from` to `to`, in
// the caller's transaction, puts each moved record on the change feed and recomputes the facts of
// `to` from its records. Returns how many records moved.
std::int64_t move_customer_records(const Context& ctx, std::int64_t from, std::int64_t to);

}  // namespace crmkit::relationship
