// crmkit/customers/contact_rows.hpp — every contact a view may read, for exports and listings
// across customers (Contacts::list reads one customer's).
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::customers {

// The contacts of every customer in the view's scope, ordered by id, `limit` rows (-1: all)
// after `offset`. Columns: id, customer_id, customer_name, name, title, phone, email, created_at,
// updated_at, version, then the contact custom fields. Throws ValidationError for bad paging.
Table all_contacts(const Context& ctx, std::int64_t limit = -1, std::int64_t offset = 0);

}  // namespace crmkit::customers
