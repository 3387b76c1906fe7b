// crmkit/pipeline/merge.hpp — the pipeline domain's part of merging two customers.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"

namespace crmkit::pipeline {

// Moves the opportunities of customer `from` (with their documents) and the leads converted
// into it to `to`, in the caller's transaction, each moved record on the change feed. Returns how
// many records moved.
std::int64_t move_customer_records(const Context& ctx, std::int64_t from, std::int64_t to);

}  // namespace crmkit::pipeline
