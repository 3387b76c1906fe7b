// The write side of customer search: every write to a customer's name, phone or e-mail, or to
// one of its contacts, rewrites that customer's rows of `customer_search` and `customer_grams`
// (migrations 9 and 12) inside the same transaction, so a search never sees an index older than
// the data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"
#include "crmkit/customers/search.hpp"

namespace crmkit::customers::search_index {

// Rewrites the row of `customer_id` from its stored record and contacts.
void refresh(const Context& ctx, std::int64_t customer_id);
// Drops the row of a deleted customer.
void remove(const Context& ctx, std::int64_t customer_id);
// Writes the rows of customers just inserted (ids set, no contacts yet) in multi-row statements:
// the bulk path of add_many.
void add_new(const Context& ctx, const std::vector<Customer>& rows);

}  // namespace crmkit::customers::search_index
