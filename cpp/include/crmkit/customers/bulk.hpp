// crmkit/customers/bulk.hpp — changes that rules make to many customers at once.
//
// Automatic tags and lifecycle stages (the segments domain's auto rules) decide which customers
// change; these functions make the change, as the owner of the customer tables: each changed
// customer gets a new version, a history row with the rule as its reason and a change-feed
// event, inside the caller's transaction. A customer locked by a pending approval request is
// left as it is and reported, so that a batch over thousands of customers does not fail on
// one; the next run changes it once the request has ended. No scope check: the callers are
// admin-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::customers {

struct BulkChange {
  std::vector<std::int64_t> changed;  // ascending
  std::vector<std::int64_t> locked;   // left out: locked by an approval request; ascending
};

// Tags each of `ids` that lacks `tag` (ids that do not exist are ignored).
BulkChange add_tag_to(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& tag,
                      const std::string& reason);
// Removes `tag` from each of `ids` that has it.
BulkChange remove_tag_from(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& tag,
                           const std::string& reason);
// Moves each of `ids` whose lifecycle stage differs to `stage` (the caller checked it is one).
BulkChange set_stage_of(const Context& ctx, const std::vector<std::int64_t>& ids, const std::string& stage,
                        const std::string& reason);

// The customers carrying `tag`, ascending.
std::vector<std::int64_t> tagged(const Context& ctx, const std::string& tag);

}  // namespace crmkit::customers
