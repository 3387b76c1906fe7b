// crmkit/customers/search.hpp — ranked full-text search of customers (crm.customers.search).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::customers {

// Customers whose name, contacts' names, phones or e-mails contain every whitespace-separated
// term of `query` as a substring (Chinese without a word segmenter; terms of one or two
// characters match names and contacts' names), scoped like Customers::find. Columns: id, name,
// kind, owner_id, phone, email, stage, contacts, score (higher is better), best first, at most
// `limit` rows. Throws ValidationError (field "query" or "limit"). See search.cpp.
Table search_customers(const Context& ctx, const std::string& query, std::int64_t limit = 20);

// Rebuilds both search indexes from the customers and contacts when a migration asked for it
// (schema 12 replaced the short-term index); a no-op otherwise. Called once when a CRM opens.
void rebuild_search_if_pending(const Context& ctx);

namespace search_index {
// The text of customer_grams for names: the distinct tokens of each pair of adjacent characters
// inside a word and of each word's last character, case-folded, space-separated (see search.cpp).
// Public so that a benchmark's hand-written baseline can write the same index rows.
std::string short_grams(const std::vector<std::string>& names);
}  // namespace search_index

}  // namespace crmkit::customers
