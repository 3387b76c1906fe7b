// crmkit/customers/lookup.hpp — what other domains ask about customers, without naming the tables.
//
// Owners (for scope checks on the records other domains keep about a customer) and the SQL
// condition that restricts a column of customer ids to the customers a view may see. They read
// inside the caller's transaction and check no scope themselves. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/value.hpp"

namespace crmkit::customers {

// The owner of a customer: nullopt when there is no such customer; an empty owner when it is in
// the public pool.
std::optional<std::optional<std::int64_t>> owner_of(const Context& ctx, std::int64_t customer_id);

// The customer contact `contact_id` belongs to; nullopt when there is no such contact.
std::optional<std::int64_t> customer_of_contact(const Context& ctx, std::int64_t contact_id);

// The owners of many customers in one read; ids without a customer are absent from the result.
std::unordered_map<std::int64_t, std::optional<std::int64_t>> owners_of(const Context& ctx,
                                                                        const std::vector<std::int64_t>& customer_ids);

// A boolean SQL condition on `customer_col` (a column of customer ids in the caller's query) that
// holds for the customers the context's principal may see: "1" when it sees them all, otherwise
// a subquery whose parameters are appended to `params`.
std::string visible_condition(const Context& ctx, const std::string& customer_col, std::vector<Value>& params);

// How many customers `user_id` owns; how many there are in all (whatever the view); whether there
// is any customer at all.
std::int64_t count_owned_by(const Context& ctx, std::int64_t user_id);
std::int64_t count_all(const Context& ctx);
bool any_customer(const Context& ctx);

}  // namespace crmkit::customers
