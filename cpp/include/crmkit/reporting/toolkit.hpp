// crmkit/reporting/toolkit.hpp — what every report is built from: the filter's conditions in
// SQL, calendar periods of the database's time zone, grouping keys with their names, and small
// statistics. Used by the domains that compute reports over their own tables (pipeline,
// relationship) and by crmkit::reports.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/reporting/filter.hpp"
#include "crmkit/table.hpp"
#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::reporting {

// A WHERE clause under construction: conditions joined with AND, parameters in '?' order.
struct Conditions {
  std::string sql = "1";
  std::vector<rules::Value> params;
  void add(const std::string& condition) { sql += " AND (" + condition + ")"; }
  void add(const std::string& condition, const std::vector<rules::Value>& values) {
    add(condition);
    params.insert(params.end(), values.begin(), values.end());
  }
};

// Binds `params` starting at index `first`; returns the next free index.
int bind_params(db::Stmt& stmt, const std::vector<rules::Value>& params, int first = 1);

// ValidationError naming `start` when start > end.
void check_window(const ReportFilter& filter);
// start <= column < end, for whichever bounds are given.
void add_window(Conditions& c, const ReportFilter& filter, const std::string& column);
// The view's scope for `entity` on `owner_column`.
void add_scope(Conditions& c, const Context& ctx, const std::string& entity, const std::string& owner_column);
// owner= and team= on `owner_column`; ValidationError naming `owner` / `team` when they do not exist.
void add_owner_team(Conditions& c, const Context& ctx, const ReportFilter& filter, const std::string& owner_column);
// Parses and compiles `filter.where` against `catalog` (RuleSyntaxError) and adds it.
void add_rule(Conditions& c, const Context& ctx, const ReportFilter& filter, const rules::Catalog& catalog);

// start <= column < end on a column of dates (labels of local days): a date is in the window when
// the instant its local day begins is.
void add_date_window(Conditions& c, const ReportFilter& filter, const std::string& column, const TimeZone& zone);

// Calendar periods of the database's time zone. A week is an ISO week: Monday to Sunday.
enum class Period { Day, Week, Month, Quarter, Year };
// "day" | "week" | "month" | "quarter" | "year"; ValidationError naming `field` otherwise.
Period parse_period(const std::string& text, const std::string& field = "period");

struct Bucket {
  Date start_date;           // the period's first day (the period_start column)
  std::int64_t start_ms = 0;  // the instants the period begins and ends (half-open)
  std::int64_t end_ms = 0;
  std::string label;  // "2026-01-05", "2026-W02", "2026-01", "2026-Q1", "2026"
};
// The period containing the local day `day` (days since 1970-01-01).
Bucket bucket_of_day(std::int64_t day, Period period, const TimeZone& zone);
// The period containing an instant, on the local calendar.
Bucket bucket_of(std::int64_t ms, Period period, const TimeZone& zone);
// The period containing a date.
Bucket bucket_of(Date date, Period period, const TimeZone& zone);
// The slice length SQL groups instants by before they are bucketed (`column / grain`, then
// bucket_of(slice * grain)): TimeZone::grain_ms, whose slices never straddle a local midnight.
inline std::int64_t period_grain(const TimeZone& zone) { return zone.grain_ms(); }

// The grouping dimensions of conversion / win_rate / activity.
enum class Dim { Source, Owner, Team, Period };
// Parses `by` against the allowed dimensions (ValidationError naming `by`).
Dim parse_dim(const std::string& by, const std::vector<Dim>& allowed);

// A group: NULL, an id (owner, team) or a text (source), or a period.
struct GroupKey {
  bool null = false;
  std::int64_t id = 0;    // owner / team id, or period start
  std::string text;       // source, or period label
  friend bool operator<(const GroupKey& a, const GroupKey& b) {
    if (a.null != b.null) return a.null;  // NULL first
    if (a.id != b.id) return a.id < b.id;
    return a.text < b.text;
  }
};

// Names for the key columns: user logins and team names, and each user's team.
struct OrgNames {
  std::map<std::int64_t, std::string> logins;
  std::map<std::int64_t, std::optional<std::int64_t>> user_team;
  std::map<std::int64_t, std::string> teams;
  static OrgNames load(const Context& ctx);
};

// Adds the key columns of `dim` (source | owner_id, owner | team_id, team | period, period_start).
void add_key_columns(Table& t, Dim dim);
void push_key(Table& t, Dim dim, const GroupKey& key, const OrgNames& names);

// num / den, or NULL when den is 0.
std::optional<double> ratio(double num, double den);
// Linear-interpolation quantile (q in [0,1]) of sorted, non-empty values.
double quantile_sorted(const std::vector<double>& sorted, double q);

}  // namespace crmkit::reporting
