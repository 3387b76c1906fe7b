// crmkit::reports::Reports hands each report to the domain whose tables it counts.
#include "crmkit/reports/reports.hpp"

#include "crmkit/pipeline/reports.hpp"
#include "crmkit/relationship/reports.hpp"
#include "crmkit/workflow/reports.hpp"

namespace crmkit::reports {

Table Reports::funnel(const ReportFilter& f) const { return pipeline::PipelineReports(ctx_).funnel(f); }

Table Reports::conversion(const std::string& by, const ReportFilter& f, const std::string& period) const {
  return pipeline::PipelineReports(ctx_).conversion(by, f, period);
}

Table Reports::win_rate(const std::string& by, const ReportFilter& f, const std::string& period) const {
  return pipeline::PipelineReports(ctx_).win_rate(by, f, period);
}

Table Reports::velocity(const ReportFilter& f) const { return pipeline::PipelineReports(ctx_).velocity(f); }

Table Reports::stage_durations(const ReportFilter& f) const { return pipeline::PipelineReports(ctx_).stage_durations(f); }

Table Reports::forecast(const std::string& period, const ReportFilter& f) const {
  return pipeline::PipelineReports(ctx_).forecast(period, f);
}

Table Reports::repurchase_rate(const std::string& period, const ReportFilter& f) const {
  return relationship::RelationshipReports(ctx_).repurchase_rate(period, f);
}

Table Reports::activity(const std::string& by, const ReportFilter& f) const {
  return relationship::RelationshipReports(ctx_).activity(by, f);
}

Table Reports::lifecycle(const ReportFilter& f) const { return relationship::RelationshipReports(ctx_).lifecycle(f); }

Table Reports::lifecycle_flows(const ReportFilter& f) const {
  return relationship::RelationshipReports(ctx_).lifecycle_flows(f);
}

Table Reports::approval_steps(const ReportFilter& f, const ApprovalThresholds& thresholds) const {
  return workflow::WorkflowReports(ctx_).approval_steps(f, thresholds);
}

}  // namespace crmkit::reports
