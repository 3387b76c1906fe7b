// crmkit/pipeline/reports.hpp — the reports computed over the pipeline's own tables
// (opportunities, their stage history, leads). crmkit::reports::Reports, the service the bindings
// expose, hands these calls here; its header documents each report's columns.
// Thread-safety: see Database; each call is one read transaction.
#pragma once

#include <string>

#include "crmkit/context.hpp"
#include "crmkit/reporting/filter.hpp"
#include "crmkit/table.hpp"

namespace crmkit::pipeline {

class PipelineReports {
 public:
  using ReportFilter = reporting::ReportFilter;
  explicit PipelineReports(Context ctx) : ctx_(std::move(ctx)) {}

  Table funnel(const ReportFilter& filter) const;
  Table conversion(const std::string& by, const ReportFilter& filter, const std::string& period) const;
  Table win_rate(const std::string& by, const ReportFilter& filter, const std::string& period) const;
  Table velocity(const ReportFilter& filter) const;
  Table stage_durations(const ReportFilter& filter) const;
  Table forecast(const std::string& period, const ReportFilter& filter) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::pipeline
