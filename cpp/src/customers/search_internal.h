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

namespace crmkit::customers::search_index {

// Rewrites the row of `customer_id` from its stored record and contacts.
void refresh(const Context& ctx, std::int64_t customer_id);
// Drops the row of a deleted customer.
void remove(const Context& ctx, std::int64_t customer_id);
// Writes the rows of customers just inserted (ids set, no contacts yet) in multi-row statements:
// the bulk path of add_many.
void add_new(const Context& ctx, const std::vector<Customer>& rows);

// The text of customer_grams for names: the distinct tokens of each pair of adjacent characters
// inside a word and of each word's last character, case-folded, space-separated (see search.cpp).
std::string short_grams(const std::vector<std::string>& names);

}  // namespace crmkit::customers::search_index
