// crmkit/reports/reports.hpp — sales and process analytics computed inside the engine.
//
// Every report reads the database in one read transaction (a consistent snapshot), computes its
// answer with SQL plus C++ post-processing where SQL is awkward (medians, periods, stage order),
// and returns a columnar Table. Every report accepts the same ReportFilter (a half-open time
// window on the report's documented timestamp, an owner, a team with its sub-teams, and a rule)
// and only ever counts records inside the view's scope. The exact definitions — what counts,
// which timestamps, ties, reopened deals, NULL rates — are in docs/reports.md; the comments here
// name the columns. Each report is computed by the domain whose records it counts
// (crmkit/pipeline/reports.hpp, crmkit/relationship/reports.hpp, crmkit/workflow/reports.hpp);
// this service is the one door to all of them.
//
// Rates whose denominator is 0 are NULL (never a division by zero); empty data gives a Table with
// the documented columns and no rows (the funnel and stage durations still list every stage).
//
// Errors: ValidationError naming the parameter (`by`, `period`, `start`, `owner`, `team`, the
// thresholds) and RuleSyntaxError for a `where` rule that does not parse or type-check.
// Thread-safety: a Reports object is a cheap value over a Context; see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/reporting/filter.hpp"
#include "crmkit/workflow/reports.hpp"
#include "crmkit/table.hpp"

namespace crmkit::reports {

// The filter every report takes (crmkit/reporting/filter.hpp).
using ReportFilter = reporting::ReportFilter;

// The two flags of approval_steps() (crmkit/workflow/reports.hpp).
using ApprovalThresholds = workflow::ApprovalThresholds;

class Reports {
 public:
  explicit Reports(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }

  // Per pipeline stage in order: stage, count, amount, weighted_amount (open opportunities now),
  // reached, conversion_to_next (from the stage history). Window: opportunity created_at.
  Table funnel(const ReportFilter& filter = {}) const;

  // Leads → qualified → converted → won, by "source" | "owner" | "team" | "period".
  // Key columns, then leads, qualified, converted, won, qualify_rate, convert_rate, win_rate,
  // overall_rate. Window: lead created_at. `period` is used when by = "period".
  Table conversion(const std::string& by, const ReportFilter& filter = {},
                   const std::string& period = "month") const;

  // Closed opportunities by "owner" | "team" | "source" | "period": key columns, then won, lost,
  // closed, win_rate, won_amount. Window: closed_at.
  Table win_rate(const std::string& by, const ReportFilter& filter = {},
                 const std::string& period = "month") const;

  // One row: open_opportunities, win_rate, avg_won_amount, avg_cycle_days, velocity (amount per
  // day). Window: closed_at of the closed opportunities that give the last three inputs.
  Table velocity(const ReportFilter& filter = {}) const;

  // Per pipeline stage: stage, opportunities, mean_days, median_days, p90_days. Window: the
  // entry time of each stay.
  Table stage_durations(const ReportFilter& filter = {}) const;

  // Per "day" | "week" | "month" | "quarter" | "year" of the database's time zone: period,
  // period_start, period_closed, open_count, pipeline_amount, weighted_amount, won_count,
  // won_amount, forecast. Window: close_date of open opportunities, closed_at of won ones.
  Table forecast(const std::string& period = "month", const ReportFilter& filter = {}) const;

  // Per period: period, period_start, customers, repeat_customers, repurchase_rate.
  // Window: order time.
  Table repurchase_rate(const std::string& period = "quarter", const ReportFilter& filter = {}) const;

  // By "owner" (the acting user) | "team": key columns, then interactions, tasks_done,
  // tasks_overdue, tickets_opened, tickets_closed, mean_satisfaction. Window: each row's own time.
  Table activity(const std::string& by = "owner", const ReportFilter& filter = {}) const;

  // Per lifecycle stage: stage, customers (now), entered, left (stage changes in the window).
  Table lifecycle(const ReportFilter& filter = {}) const;
  // Stage changes in the window: from_stage, to_stage, changes, customers.
  Table lifecycle_flows(const ReportFilter& filter = {}) const;

  // Per workflow and step: workflow, step, requests, instances, approved, rejected, skipped,
  // cancelled, pending, reject_rate, skip_rate, escalations, median_wait_hours, p90_wait_hours,
  // total_wait_hours, wait_share, pure_delay, bottleneck. Window: step started_at.
  Table approval_steps(const ReportFilter& filter = {}, const ApprovalThresholds& thresholds = {}) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::reports
