// crmkit/segments/merge.hpp — the segments domain's part of merging two customers.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"

namespace crmkit::segments {

// Moves the static group memberships of customer `from` to `to` (a group holding both keeps one
// membership), in the caller's transaction. Returns how many memberships moved.
std::int64_t move_group_memberships(const Context& ctx, std::int64_t from, std::int64_t to);

}  // namespace crmkit::segments
