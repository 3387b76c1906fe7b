// crmkit/customers/ownership.hpp — the writes of a customer's owner that the public pool makes
// (claims, releases, assignments and reclaims in the relationship domain), made here, by the
// domain that owns the customers table.
//
// Each moves the changed customers' version and updated_at. The caller decides who may do it,
// writes the history rows with its own reasons and records the change on the feed (the pool
// reads the reclaimed ids back in order for that). Inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/value.hpp"

namespace crmkit::customers {

// `owner` becomes the owner of customer `customer_id` (empty: the customer goes to the pool).
// Throws Conflict, naming `action` ("be claimed"), while an approval request locks the customer.
void set_owner(const Context& ctx, std::int64_t customer_id, std::optional<std::int64_t> owner, const char* action);

// Every customer whose id the query `ids_sql` yields (one column; `params` bound in order) goes
// to the pool, in one statement. The query must leave locked customers out (the reclaim's scan
// does).
void clear_owners(const Context& ctx, const std::string& ids_sql, const std::vector<Value>& params);

}  // namespace crmkit::customers
