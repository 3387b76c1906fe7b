// crmkit/customers/merge.hpp — the customers domain's part of merging two customers.
//
// A merge (imports::merge_customers) is one transaction in which every domain moves what it owns
// from the dropped customer to the kept one; these are the customers domain's steps. Both run in
// the caller's transaction.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"

namespace crmkit::customers {

// Checks that `keep` and `drop` are two existing customers the view may change and that neither
// is locked by a pending approval. Throws ValidationError (the same customer), NotFound,
// PermissionDenied, Conflict.
void check_mergeable(const Context& ctx, std::int64_t keep, std::int64_t drop);

// Moves the dropped customer's contacts (with their identity keys), tags, custom field values
// the kept one lacks and field history to `keep`, records the merge in both histories and on
// the change feed, and deletes `drop`. Returns the kept customer as it now is.
Customer absorb(const Context& ctx, std::int64_t keep, std::int64_t drop);

}  // namespace crmkit::customers
