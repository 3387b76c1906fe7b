// crmkit/customers/search.hpp — ranked full-text search of customers (crm.customers.search).
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace crmkit::customers
