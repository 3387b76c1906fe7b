// crmkit/workflow/reports.hpp — the report over the approval process's own tables: waiting time
// and outcomes per workflow step. crmkit::reports::Reports, the service the bindings expose,
// hands approval_steps() here; its header documents the columns.
// Thread-safety: see Database; each call is one read transaction.
#pragma once

#include <cstdint>

#include "crmkit/context.hpp"
#include "crmkit/reporting/filter.hpp"
#include "crmkit/table.hpp"

namespace crmkit::workflow {

// The two flags of approval_steps(); the defaults are documented in docs/reports.md.
struct ApprovalThresholds {
  std::int64_t min_decisions = 20;       // pure_delay: at least this many approvals + rejections
  double max_reject_rate = 0.02;         // pure_delay: reject rate strictly below this
  double min_median_wait_hours = 24.0;   // pure_delay: median wait strictly above this
  double bottleneck_share = 0.5;         // bottleneck: share of the workflow's wait at least this
};

class WorkflowReports {
 public:
  explicit WorkflowReports(Context ctx) : ctx_(std::move(ctx)) {}
  Table approval_steps(const reporting::ReportFilter& filter, const ApprovalThresholds& thresholds) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::workflow
