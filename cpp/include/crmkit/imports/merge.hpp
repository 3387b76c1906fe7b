// crmkit/imports/merge.hpp — merging a duplicate customer into the one to keep.
//
// One transaction in which each domain moves what it owns through its own code: contacts, tags,
// custom values and history (customers), interactions, tasks, tickets, orders and their facts
// (relationship), opportunities and leads (pipeline), group memberships (segments). The dropped
// customer is deleted; both histories and the change feed record the merge.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"

namespace crmkit::imports {

// Returns the kept customer as it is after the merge. Throws ValidationError (keep == drop),
// NotFound, PermissionDenied (either customer outside the view's scope), Conflict (either locked
// by a pending approval). A failed merge changes nothing.
customers::Customer merge_customers(const Context& ctx, std::int64_t keep, std::int64_t drop);

}  // namespace crmkit::imports
