// Reports: crm.reports.funnel(), conversion(), ... — adapts the filter keywords to ReportFilter.
#include "common.hpp"
#include "crmkit/crm.hpp"

namespace crmkit::bindings {
namespace {

using reports::ReportFilter;
using reports::Reports;

ReportFilter filter_of(const TimeZone& zone, const std::optional<TimeArg>& start, const std::optional<TimeArg>& end,
                       const std::optional<Ref>& owner, const std::optional<Ref>& team,
                       const std::optional<std::string>& where) {
  ReportFilter f;
  f.start_ms = opt_ms(start, "start", zone);
  f.end_ms = opt_ms(end, "end", zone);
  f.owner = opt_id(owner);
  f.team = opt_id(team);
  f.where = where;
  return f;
}

// The filter keywords every report takes, keyword-only.
#define CRMKIT_FILTER_ARGS                                                                                  \
  py::kw_only(), py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("owner") = py::none(), \
      py::arg("team") = py::none(), py::arg("where") = py::none()

using OptTime = std::optional<TimeArg>;
using OptRef = std::optional<Ref>;
using OptText = std::optional<std::string>;

// A report's binding: its own leading arguments (`Leading...`: by=, period=), then the filter
// keywords, turned into one ReportFilter. Nothing here touches Python, so it runs with the GIL
// released (Release) like the report itself.
template <typename... Leading, typename Report>
auto filtered(Report report) {
  return [report](const Reports& r, Leading... leading, OptTime start, OptTime end, OptRef owner, OptRef team,
                  OptText where) { return report(r, filter_of(r.zone(), start, end, owner, team, where), leading...); };
}

}  // namespace

void init_reports(py::module_& m) {
  py::class_<Reports>(m, "Reports",
                      "crm.reports: funnel, conversion, win rate, velocity, stage durations, forecast, "
                      "repurchase, activity, lifecycle and approval-step analytics (docs/reports.md). Every "
                      "report takes start= and end= (start <= t < end on the report's timestamp), owner=, "
                      "team= (with its sub-teams) and where= (a rule), and respects the view's scope.")
      .def("funnel", filtered([](const Reports& r, const ReportFilter& f) { return r.funnel(f); }),
           CRMKIT_FILTER_ARGS, Release(),
           "Per pipeline stage: stage, count, amount, weighted_amount, reached and conversion. Returns a Table. "
           "Raises ValidationError for a bad filter, RuleSyntaxError for a bad `where` rule.")
      .def("conversion",
           filtered<std::string, std::string>([](const Reports& r, const ReportFilter& f, const std::string& by,
                                                 const std::string& period) { return r.conversion(by, f, period); }),
           py::arg("by") = "source", py::arg("period") = "month", CRMKIT_FILTER_ARGS, Release(),
           "Leads -> qualified -> converted -> won by source | owner | team | period, with rates. Returns a "
           "Table. Raises ValidationError for an unknown `by` or `period` or a bad filter.")
      .def("win_rate",
           filtered<std::string, std::string>([](const Reports& r, const ReportFilter& f, const std::string& by,
                                                 const std::string& period) { return r.win_rate(by, f, period); }),
           py::arg("by") = "owner", py::arg("period") = "month", CRMKIT_FILTER_ARGS, Release(),
           "Won, lost and win_rate of closed opportunities by owner | team | source | period. Returns a Table. "
           "Raises ValidationError for an unknown `by` or `period` or a bad filter.")
      .def("velocity", filtered([](const Reports& r, const ReportFilter& f) { return r.velocity(f); }),
           CRMKIT_FILTER_ARGS, Release(),
           "One row: open opportunities, win rate, average won amount, average cycle days and the pipeline "
           "velocity. Returns a Table. Raises ValidationError for a bad filter.")
      .def("stage_durations", filtered([](const Reports& r, const ReportFilter& f) { return r.stage_durations(f); }),
           CRMKIT_FILTER_ARGS, Release(), "Per pipeline stage: opportunities, mean_days, median_days, p90_days. Returns a Table. Raises "
                                          "ValidationError for a bad filter.")
      .def("forecast",
           filtered<std::string>([](const Reports& r, const ReportFilter& f, const std::string& period) {
             return r.forecast(period, f);
           }),
           py::arg("period") = "month", CRMKIT_FILTER_ARGS, Release(),
           "Weighted pipeline by expected close period plus won amounts, per month | quarter | year. Returns a "
           "Table. Raises ValidationError for an unknown period or a bad filter.")
      .def("repurchase_rate",
           filtered<std::string>([](const Reports& r, const ReportFilter& f, const std::string& period) {
             return r.repurchase_rate(period, f);
           }),
           py::arg("period") = "quarter", CRMKIT_FILTER_ARGS, Release(),
           "Per period: customers who bought, those who had bought before, and the repurchase rate. Returns a "
           "Table. Raises ValidationError for an unknown period or a bad filter.")
      .def("activity",
           filtered<std::string>([](const Reports& r, const ReportFilter& f, const std::string& by) {
             return r.activity(by, f);
           }),
           py::arg("by") = "owner", CRMKIT_FILTER_ARGS, Release(),
           "Interactions, tasks done and overdue, tickets opened and closed and mean satisfaction, by owner | "
           "team | kind. Returns a Table. Raises ValidationError for an unknown `by` or a bad filter.")
      .def("lifecycle", filtered([](const Reports& r, const ReportFilter& f) { return r.lifecycle(f); }),
           CRMKIT_FILTER_ARGS, Release(), "Per lifecycle stage: customers now, entered and left in the window. Returns a Table. Raises "
                                          "ValidationError for a bad filter.")
      .def("lifecycle_flows", filtered([](const Reports& r, const ReportFilter& f) { return r.lifecycle_flows(f); }),
           CRMKIT_FILTER_ARGS, Release(),
           "Lifecycle stage changes in the window: from_stage, to_stage, changes. Returns a Table. Raises "
           "ValidationError for a bad filter.")
      .def(
          "approval_steps",
          [](const Reports& r, OptTime start, OptTime end, OptRef owner, OptRef team, OptText where,
             std::int64_t min_decisions, double max_reject_rate, double min_median_wait_hours,
             double bottleneck_share) {
            auto f = filter_of(r.zone(), start, end, owner, team, where);
            reports::ApprovalThresholds th{min_decisions, max_reject_rate, min_median_wait_hours, bottleneck_share};
            py::gil_scoped_release release;
            return r.approval_steps(f, th);
          },
          CRMKIT_FILTER_ARGS, py::arg("min_decisions") = 20, py::arg("max_reject_rate") = 0.02,
          py::arg("min_median_wait_hours") = 24.0, py::arg("bottleneck_share") = 0.5, Drain(),
          "Per workflow step: requests, outcomes, reject and skip rates, escalations, waits, and whether it is "
          "a bottleneck by the given thresholds. Returns a Table. Raises ValidationError for a bad threshold or "
          "filter.");
}

#undef CRMKIT_FILTER_ARGS

}  // namespace crmkit::bindings
