#include "crmkit/reporting/toolkit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "crmkit/error.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/sql.hpp"
#include "crmkit/time.hpp"
#include "crmkit/org/lookup.hpp"

namespace crmkit::reporting {

int bind_params(db::Stmt& stmt, const std::vector<rules::Value>& params, int first) {
  int i = first;
  for (const auto& v : params) customers::bind_rule_value(stmt, i++, v);
  return i;
}

void check_window(const ReportFilter& f) {
  if (f.start_ms && f.end_ms && *f.start_ms > *f.end_ms)
    throw ValidationError("start (" + format_timestamp(*f.start_ms) + ") is after end (" +
                              format_timestamp(*f.end_ms) + ")",
                          "start");
}

void add_window(Conditions& c, const ReportFilter& f, const std::string& column) {
  if (f.start_ms) c.add(column + " >= ?", {rules::Value(*f.start_ms)});
  if (f.end_ms) c.add(column + " < ?", {rules::Value(*f.end_ms)});
}

void add_date_window(Conditions& c, const ReportFilter& f, const std::string& column, const TimeZone& zone) {
  // The first date whose local day begins at or after the bound, as a label.
  auto first_date_from = [&](std::int64_t bound) {
    std::int64_t day = zone.local_day(bound);
    if (zone.day_start(day) < bound) ++day;
    return day * kMillisPerDay;
  };
  if (f.start_ms) c.add(column + " >= ?", {rules::Value(first_date_from(*f.start_ms))});
  if (f.end_ms) c.add(column + " < ?", {rules::Value(first_date_from(*f.end_ms))});
}

namespace {
void add_in(Conditions& c, const std::string& column, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) {
    c.add("0");
    return;
  }
  std::string sql = column + " IN (";
  std::vector<rules::Value> values;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    sql += i ? ",?" : "?";
    values.emplace_back(ids[i]);
  }
  c.add(sql + ")", values);
}
}  // namespace

void add_scope(Conditions& c, const Context& ctx, const std::string& entity, const std::string& owner_column) {
  auto f = ctx.who->owner_filter(entity, owner_column);
  if (f.sql == "1") return;
  std::vector<rules::Value> values;
  for (auto id : f.params) values.emplace_back(id);
  c.add(f.sql, values);
}

void add_owner_team(Conditions& c, const Context& ctx, const ReportFilter& f, const std::string& owner_column) {
  if (f.owner) {
    if (!org::user_exists(ctx, *f.owner))
      throw ValidationError("owner: user " + std::to_string(*f.owner) + " does not exist", "owner");
    c.add(owner_column + " = ?", {rules::Value(*f.owner)});
  }
  if (f.team) {
    if (!org::team_exists(ctx, *f.team))
      throw ValidationError("team: team " + std::to_string(*f.team) + " does not exist", "team");
    // Resolved once here so the report's query carries a plain IN list.
    std::vector<std::int64_t> ids = org::team_member_ids(ctx, *f.team);
    add_in(c, owner_column, ids);
  }
}

void add_rule(Conditions& c, const Context& ctx, const ReportFilter& f, const rules::Catalog& catalog) {
  if (!f.where) return;
  auto rule = rules::parse(*f.where, catalog);
  auto fragment = rules::compile_filter(rule, catalog, ctx.now());
  c.add(fragment.sql, fragment.params);
}

Period parse_period(const std::string& text, const std::string& field) {
  if (text == "day") return Period::Day;
  if (text == "week") return Period::Week;
  if (text == "month") return Period::Month;
  if (text == "quarter") return Period::Quarter;
  if (text == "year") return Period::Year;
  throw ValidationError(field + ": unknown period '" + text + "' (use day, week, month, quarter or year)", field);
}

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}
std::chrono::year_month_day civil(std::int64_t day) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
}
}  // namespace

Bucket bucket_of_day(std::int64_t day, Period period, const TimeZone& zone) {
  const auto ymd = civil(day);
  const int y = static_cast<int>(ymd.year());
  const unsigned m = static_cast<unsigned>(ymd.month());
  std::int64_t first = 0, next = 0;  // local days
  char buf[32];
  switch (period) {
    case Period::Day:
      first = day;
      next = day + 1;
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, static_cast<unsigned>(ymd.day()));
      break;
    case Period::Week: {
      // 1970-01-01 was a Thursday: (day + 3) mod 7 counts days since Monday. The ISO year and
      // number of a week are those of its Thursday.
      first = day - (day + 3 - floor_div(day + 3, 7) * 7);
      next = first + 7;
      const std::int64_t thursday = first + 3;
      const int iso_year = static_cast<int>(civil(thursday).year());
      const std::int64_t week = (thursday - days_from_civil(iso_year, 1, 1)) / 7 + 1;
      std::snprintf(buf, sizeof buf, "%04d-W%02d", iso_year, static_cast<int>(week));
      break;
    }
    case Period::Month:
    case Period::Quarter:
    case Period::Year: {
      const unsigned start_m = period == Period::Month ? m : period == Period::Quarter ? (m - 1) / 3 * 3 + 1 : 1u;
      const unsigned span = period == Period::Month ? 1u : period == Period::Quarter ? 3u : 12u;
      unsigned next_m = start_m + span;
      int next_y = y;
      if (next_m > 12) {
        next_m -= 12;
        next_y += 1;
      }
      first = days_from_civil(y, start_m, 1);
      next = days_from_civil(next_y, next_m, 1);
      if (period == Period::Month) std::snprintf(buf, sizeof buf, "%04d-%02u", y, m);
      else if (period == Period::Quarter) std::snprintf(buf, sizeof buf, "%04d-Q%u", y, (m - 1) / 3 + 1);
      else std::snprintf(buf, sizeof buf, "%04d", y);
      break;
    }
  }
  Bucket b;
  b.start_date = Date{first * kMillisPerDay};
  b.start_ms = zone.day_start(first);
  b.end_ms = zone.day_start(next);
  b.label = buf;
  return b;
}

Bucket bucket_of(std::int64_t ms, Period period, const TimeZone& zone) {
  return bucket_of_day(zone.local_day(ms), period, zone);
}

Bucket bucket_of(Date date, Period period, const TimeZone& zone) {
  return bucket_of_day(floor_div(date.ms, kMillisPerDay), period, zone);
}

namespace {
const char* dim_name(Dim d) {
  switch (d) {
    case Dim::Source: return "source";
    case Dim::Owner: return "owner";
    case Dim::Team: return "team";
    case Dim::Period: return "period";
  }
  return "";
}
}  // namespace

Dim parse_dim(const std::string& by, const std::vector<Dim>& allowed) {
  std::string known;
  for (auto d : allowed) {
    if (by == dim_name(d)) return d;
    known += (known.empty() ? "" : ", ") + std::string(dim_name(d));
  }
  throw ValidationError("by: unknown dimension '" + by + "' (use " + known + ")", "by");
}

OrgNames OrgNames::load(const Context& ctx) {
  OrgNames n;
  org::Directory d = org::directory(ctx);
  for (const auto& [id, login] : d.logins) {
    n.logins[id] = login;
    auto team = d.team_of.find(id);
    n.user_team[id] = team == d.team_of.end() ? std::nullopt : std::optional<std::int64_t>(team->second);
  }
  n.teams.insert(d.teams.begin(), d.teams.end());
  return n;
}

void add_key_columns(Table& t, Dim dim) {
  switch (dim) {
    case Dim::Source: t.add_column("source", ColumnType::Text); break;
    case Dim::Owner:
      t.add_column("owner_id", ColumnType::Int);
      t.add_column("owner", ColumnType::Text);
      break;
    case Dim::Team:
      t.add_column("team_id", ColumnType::Int);
      t.add_column("team", ColumnType::Text);
      break;
    case Dim::Period:
      t.add_column("period", ColumnType::Text);
      t.add_column("period_start", ColumnType::Date);
      break;
  }
}

void push_key(Table& t, Dim dim, const GroupKey& key, const OrgNames& names) {
  auto lookup = [](const std::map<std::int64_t, std::string>& m, std::int64_t id) -> std::optional<std::string> {
    auto it = m.find(id);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  switch (dim) {
    case Dim::Source:
      if (key.null) t.column(0).push_null();
      else t.column(0).push_text(key.text);
      break;
    case Dim::Owner:
    case Dim::Team:
      if (key.null) {
        t.column(0).push_null();
        t.column(1).push_null();
      } else {
        t.column(0).push_int(key.id);
        t.column(1).push_opt(lookup(dim == Dim::Owner ? names.logins : names.teams, key.id));
      }
      break;
    case Dim::Period:
      t.column(0).push_text(key.text);
      t.column(1).push_int(key.id);
      break;
  }
}

std::optional<double> ratio(double num, double den) {
  if (den == 0.0) return std::nullopt;
  return num / den;
}

double quantile_sorted(const std::vector<double>& v, double q) {
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace crmkit::reporting
