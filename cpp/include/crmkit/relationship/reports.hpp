// crmkit/relationship/reports.hpp — the reports computed over the records of the customer
// relationship (orders, interactions, tasks, tickets) and the customers' lifecycle.
// crmkit::reports::Reports, the service the bindings expose, hands these calls here; its header
// documents each report's columns. Thread-safety: see Database; each call is one read transaction.
#pragma once

#include <string>

#include "crmkit/context.hpp"
#include "crmkit/reporting/filter.hpp"
#include "crmkit/table.hpp"

namespace crmkit::relationship {

class RelationshipReports {
 public:
  using ReportFilter = reporting::ReportFilter;
  explicit RelationshipReports(Context ctx) : ctx_(std::move(ctx)) {}

  Table repurchase_rate(const std::string& period, const ReportFilter& filter) const;
  Table activity(const std::string& by, const ReportFilter& filter) const;
  Table lifecycle(const ReportFilter& filter) const;
  Table lifecycle_flows(const ReportFilter& filter) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
