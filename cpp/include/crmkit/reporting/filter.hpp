// crmkit/reporting/filter.hpp — the filter every report takes.
//
// The reports are computed by the domains whose records they count (pipeline: funnel,
// conversion, win rate, velocity, stage durations, forecast; relationship: repurchase, activity,
// lifecycle; reports: the approval steps) and gathered by crmkit::reports::Reports. This is the
// filter they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace crmkit::reporting {

// What every report can be narrowed by. The window is half-open: start <= t < end.
struct ReportFilter {
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;
  std::optional<std::int64_t> owner;  // a user id
  std::optional<std::int64_t> team;   // a team id; its sub-teams are included
  // A rule. Customer-based reports (repurchase_rate, activity, lifecycle) use the customer
  // catalog; opportunity reports the opportunity catalog; conversion a lead catalog (see
  // docs/reports.md); approval_steps the opportunity catalog of the request's opportunity.
  std::optional<std::string> where;
};

}  // namespace crmkit::reporting
