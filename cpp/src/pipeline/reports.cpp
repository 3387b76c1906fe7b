// The pipeline's reports over its own tables (crmkit/pipeline/reports.hpp): funnel, conversion,
// win rate, velocity, stage durations, forecast.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/pipeline/catalog.hpp"
#include "crmkit/pipeline/reports.hpp"
#include "crmkit/reporting/toolkit.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/time.hpp"

namespace crmkit::pipeline {

using namespace reporting;

namespace {

// Index of the stage lose() moves a deal to (the last stage with probability 0), or -1.
int lost_stage_index(const std::vector<schema::Stage>& stages) {
  for (int i = static_cast<int>(stages.size()) - 1; i >= 0; --i)
    if (stages[static_cast<std::size_t>(i)].probability == 0.0) return i;
  return -1;
}

// The conditions every opportunity report shares: scope, owner, team and rule (alias `o`).
Conditions opportunity_conditions(const Context& ctx, const ReportFilter& f) {
  Conditions c;
  add_scope(c, ctx, "opportunities", "o.owner_id");
  add_owner_team(c, ctx, f, "o.owner_id");
  add_rule(c, ctx, f, pipeline::opportunity_catalog(ctx));
  return c;
}

// SQL for a grouping key of an opportunity or lead (owner_col / source_sql / time_col decide).
std::string key_sql(Dim dim, const std::string& owner_col, const std::string& source_sql, const std::string& time_col,
                    const TimeZone& zone) {
  switch (dim) {
    case Dim::Source: return source_sql;
    case Dim::Owner: return owner_col;
    case Dim::Team: return org::team_of_sql(owner_col);
    case Dim::Period: return "(" + time_col + " / " + std::to_string(period_grain(zone)) + ")";
  }
  return "NULL";
}

// The GroupKey of column `col` of a row grouped by key_sql().
GroupKey read_key(db::Stmt& q, int col, Dim dim, Period period, const TimeZone& zone) {
  GroupKey k;
  if (q.is_null(col)) {
    k.null = true;
    return k;
  }
  if (dim == Dim::Source) {
    k.text = q.get_text(col);
  } else if (dim == Dim::Period) {
    auto b = bucket_of(q.get_int(col) * period_grain(zone), period, zone);
    k.id = b.start_date.ms;
    k.text = b.label;
  } else {
    k.id = q.get_int(col);
  }
  return k;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Table PipelineReports::funnel(const ReportFilter& f) const {
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = opportunity_conditions(ctx_, f);
  add_window(c, f, "o.created_at");
  auto stages = schema::Stages(ctx_, "pipeline").list();
  int lost = lost_stage_index(stages);

  Table t;
  auto c_stage = t.add_column("stage", ColumnType::Text);
  auto c_count = t.add_column("count", ColumnType::Int);
  auto c_amount = t.add_column("amount", ColumnType::Float);
  auto c_weighted = t.add_column("weighted_amount", ColumnType::Float);
  auto c_reached = t.add_column("reached", ColumnType::Int);
  auto c_conv = t.add_column("conversion_to_next", ColumnType::Float);
  if (stages.empty()) return t;

  struct Open {
    std::int64_t count = 0;
    std::int64_t cents = 0;
    double weighted_cents = 0.0;
  };
  std::map<std::string, Open> open;
  {
    auto q = ctx_.db().prepare(
        "SELECT o.stage, COUNT(*), SUM(o.amount_cents), SUM(o.amount_cents * COALESCE(o.probability, " +
        schema::pipeline_stage_probability_sql("o.stage") + ", 0)) FROM opportunities o WHERE o.status = 'open' AND " +
        c.sql + " GROUP BY o.stage");
    bind_params(q, c.params);
    while (q.step()) open[q.get_text(0)] = Open{q.get_int(1), q.get_int(2), q.get_double(3)};
  }

  // Progress order: every stage but the lost one. An opportunity reached stage k when its stage
  // history ever entered stage k or a later one, so skipped stages count as passed.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (static_cast<int>(i) != lost) order.push_back(i);
  std::vector<std::int64_t> at_max(order.size(), 0);  // opportunities whose highest rank is k
  if (!order.empty()) {
    std::string values;
    std::vector<rules::Value> params;
    for (std::size_t k = 0; k < order.size(); ++k) {
      values += k ? ",(?,?)" : "(?,?)";
      params.emplace_back(stages[order[k]].name);
      params.emplace_back(static_cast<std::int64_t>(k));
    }
    auto q = ctx_.db().prepare(
        "WITH r(name, rank) AS (VALUES " + values + ") "
        "SELECT m, COUNT(*) FROM (SELECT MAX(r.rank) AS m FROM opportunities o "
        "JOIN opportunity_stage_history h ON h.opportunity_id = o.id JOIN r ON r.name = h.to_stage "
        "WHERE " + c.sql + " GROUP BY o.id) GROUP BY m");
    int next = bind_params(q, params);
    bind_params(q, c.params, next);
    while (q.step()) at_max[static_cast<std::size_t>(q.get_int(0))] = q.get_int(1);
  }
  std::vector<std::int64_t> reached(order.size(), 0);
  std::int64_t running = 0;
  for (std::size_t k = order.size(); k-- > 0;) {
    running += at_max[k];
    reached[k] = running;
  }
  std::int64_t lost_reached = 0;
  if (lost >= 0) {
    auto q = ctx_.db().prepare(
        "SELECT COUNT(DISTINCT o.id) FROM opportunities o JOIN opportunity_stage_history h ON h.opportunity_id = o.id "
        "WHERE h.to_stage = ? AND " + c.sql);
    q.bind(1, stages[static_cast<std::size_t>(lost)].name);
    bind_params(q, c.params, 2);
    if (q.step()) lost_reached = q.get_int(0);
  }

  std::size_t k = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& s = stages[i];
    Open o;
    if (auto it = open.find(s.name); it != open.end()) o = it->second;
    t.column(c_stage).push_text(s.name);
    t.column(c_count).push_int(o.count);
    t.column(c_amount).push_float(static_cast<double>(o.cents) / 100.0);
    t.column(c_weighted).push_float(o.weighted_cents / 100.0);
    if (static_cast<int>(i) == lost) {
      t.column(c_reached).push_int(lost_reached);
      t.column(c_conv).push_null();
      continue;
    }
    t.column(c_reached).push_int(reached[k]);
    if (k + 1 < order.size()) t.column(c_conv).push_opt(ratio(static_cast<double>(reached[k + 1]), static_cast<double>(reached[k])));
    else t.column(c_conv).push_null();
    ++k;
  }
  log::logger().debug("reports.funnel stages={}", stages.size());
  return t;
}

// ---------------------------------------------------------------------------------------------

Table PipelineReports::conversion(const std::string& by, const ReportFilter& f, const std::string& period_text) const {
  Dim dim = parse_dim(by, {Dim::Source, Dim::Owner, Dim::Team, Dim::Period});
  Period period = parse_period(period_text);
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c;
  add_scope(c, ctx_, "leads", "l.owner_id");
  add_owner_team(c, ctx_, f, "l.owner_id");
  add_rule(c, ctx_, f, pipeline::lead_catalog(ctx_));
  add_window(c, f, "l.created_at");
  // "Reached qualified" includes leads converted without an explicit qualify, so each count is a
  // subset of the one before it.
  auto q = ctx_.db().prepare(
      "SELECT " + key_sql(dim, "l.owner_id", "l.source", "l.created_at", ctx_.zone()) + " AS k, COUNT(*), "
      "SUM(l.qualified_at IS NOT NULL OR l.converted_at IS NOT NULL OR l.status IN ('qualified', 'converted')), "
      "SUM(l.converted_at IS NOT NULL OR l.status = 'converted'), "
      "SUM((l.converted_at IS NOT NULL OR l.status = 'converted') AND EXISTS (SELECT 1 FROM opportunities o "
      "WHERE o.id = l.opportunity_id AND o.status = 'won')) "
      "FROM leads l WHERE " + c.sql + " GROUP BY k");
  bind_params(q, c.params);
  struct Counts {
    std::int64_t leads = 0, qualified = 0, converted = 0, won = 0;
  };
  std::map<GroupKey, Counts> groups;
  while (q.step()) {
    auto& g = groups[read_key(q, 0, dim, period, ctx_.zone())];
    g.leads += q.get_int(1);
    g.qualified += q.get_int(2);
    g.converted += q.get_int(3);
    g.won += q.get_int(4);
  }
  auto names = OrgNames::load(ctx_);
  Table t;
  add_key_columns(t, dim);
  std::size_t first = t.width();
  for (const char* n : {"leads", "qualified", "converted", "won"}) t.add_column(n, ColumnType::Int);
  for (const char* n : {"qualify_rate", "convert_rate", "win_rate", "overall_rate"}) t.add_column(n, ColumnType::Float);
  for (const auto& [key, g] : groups) {
    push_key(t, dim, key, names);
    t.column(first).push_int(g.leads);
    t.column(first + 1).push_int(g.qualified);
    t.column(first + 2).push_int(g.converted);
    t.column(first + 3).push_int(g.won);
    auto d = [](std::int64_t v) { return static_cast<double>(v); };
    t.column(first + 4).push_opt(ratio(d(g.qualified), d(g.leads)));
    t.column(first + 5).push_opt(ratio(d(g.converted), d(g.qualified)));
    t.column(first + 6).push_opt(ratio(d(g.won), d(g.converted)));
    t.column(first + 7).push_opt(ratio(d(g.won), d(g.leads)));
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

Table PipelineReports::win_rate(const std::string& by, const ReportFilter& f, const std::string& period_text) const {
  Dim dim = parse_dim(by, {Dim::Owner, Dim::Team, Dim::Source, Dim::Period});
  Period period = parse_period(period_text);
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = opportunity_conditions(ctx_, f);
  add_window(c, f, "o.closed_at");
  // An opportunity's source is its lead's source, else its customer's.
  const std::string source =
      "COALESCE((SELECT sl.source FROM leads sl WHERE sl.id = o.lead_id), "
      "(SELECT sc.source FROM customers sc WHERE sc.id = o.customer_id))";
  auto q = ctx_.db().prepare("SELECT " + key_sql(dim, "o.owner_id", source, "o.closed_at", ctx_.zone()) +
                             " AS k, SUM(o.status = 'won'), SUM(o.status = 'lost'), "
                             "SUM(CASE WHEN o.status = 'won' THEN o.amount_cents ELSE 0 END) "
                             "FROM opportunities o WHERE o.status IN ('won', 'lost') AND o.closed_at IS NOT NULL AND " +
                             c.sql + " GROUP BY k");
  bind_params(q, c.params);
  struct Counts {
    std::int64_t won = 0, lost = 0, won_cents = 0;
  };
  std::map<GroupKey, Counts> groups;
  while (q.step()) {
    auto& g = groups[read_key(q, 0, dim, period, ctx_.zone())];
    g.won += q.get_int(1);
    g.lost += q.get_int(2);
    g.won_cents += q.get_int(3);
  }
  auto names = OrgNames::load(ctx_);
  Table t;
  add_key_columns(t, dim);
  std::size_t first = t.width();
  t.add_column("won", ColumnType::Int);
  t.add_column("lost", ColumnType::Int);
  t.add_column("closed", ColumnType::Int);
  t.add_column("win_rate", ColumnType::Float);
  t.add_column("won_amount", ColumnType::Float);
  for (const auto& [key, g] : groups) {
    push_key(t, dim, key, names);
    t.column(first).push_int(g.won);
    t.column(first + 1).push_int(g.lost);
    t.column(first + 2).push_int(g.won + g.lost);
    t.column(first + 3).push_opt(ratio(static_cast<double>(g.won), static_cast<double>(g.won + g.lost)));
    t.column(first + 4).push_float(static_cast<double>(g.won_cents) / 100.0);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

Table PipelineReports::velocity(const ReportFilter& f) const {
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = opportunity_conditions(ctx_, f);
  std::int64_t open = 0;
  {
    auto q = ctx_.db().prepare("SELECT COUNT(*) FROM opportunities o WHERE o.status = 'open' AND " + c.sql);
    bind_params(q, c.params);
    if (q.step()) open = q.get_int(0);
  }
  add_window(c, f, "o.closed_at");
  std::int64_t won = 0, lost = 0;
  std::optional<double> avg_won, avg_cycle_days;
  {
    auto q = ctx_.db().prepare(
        "SELECT SUM(o.status = 'won'), SUM(o.status = 'lost'), "
        "AVG(CASE WHEN o.status = 'won' THEN o.amount_cents END), "
        "AVG(CASE WHEN o.status = 'won' THEN o.closed_at - o.created_at END) "
        "FROM opportunities o WHERE o.status IN ('won', 'lost') AND o.closed_at IS NOT NULL AND " + c.sql);
    bind_params(q, c.params);
    if (q.step()) {
      won = q.is_null(0) ? 0 : q.get_int(0);
      lost = q.is_null(1) ? 0 : q.get_int(1);
      if (!q.is_null(2)) avg_won = q.get_double(2) / 100.0;
      if (!q.is_null(3)) avg_cycle_days = q.get_double(3) / static_cast<double>(kMillisPerDay);
    }
  }
  auto rate = ratio(static_cast<double>(won), static_cast<double>(won + lost));
  std::optional<double> velocity;
  if (rate && avg_won && avg_cycle_days && *avg_cycle_days > 0.0)
    velocity = static_cast<double>(open) * *rate * *avg_won / *avg_cycle_days;
  Table t;
  t.add_column("open_opportunities", ColumnType::Int);
  t.add_column("win_rate", ColumnType::Float);
  t.add_column("avg_won_amount", ColumnType::Float);
  t.add_column("avg_cycle_days", ColumnType::Float);
  t.add_column("velocity", ColumnType::Float);
  t.column(0).push_int(open);
  t.column(1).push_opt(rate);
  t.column(2).push_opt(avg_won);
  t.column(3).push_opt(avg_cycle_days);
  t.column(4).push_opt(velocity);
  return t;
}

// ---------------------------------------------------------------------------------------------

Table PipelineReports::stage_durations(const ReportFilter& f) const {
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = opportunity_conditions(ctx_, f);
  auto stages = schema::Stages(ctx_, "pipeline").list();
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < stages.size(); ++i) index.emplace(stages[i].name, i);
  std::vector<std::vector<double>> samples(stages.size());
  const std::int64_t now = ctx_.now();
  auto in_window = [&](std::int64_t at) {
    return (!f.start_ms || at >= *f.start_ms) && (!f.end_ms || at < *f.end_ms);
  };

  // The history index (opportunity_id, at) with the rowid as tie-break gives each opportunity's
  // changes in order; stays of one opportunity in one stage are summed before they become a sample.
  auto q = ctx_.db().prepare(
      "SELECT h.opportunity_id, h.to_stage, h.at, o.status = 'open' FROM opportunity_stage_history h "
      "JOIN opportunities o ON o.id = h.opportunity_id WHERE " + c.sql + " ORDER BY h.opportunity_id, h.at, h.id");
  bind_params(q, c.params);
  std::map<std::size_t, std::int64_t> per_stage;  // this opportunity's total ms per stage
  std::int64_t cur = -1;
  bool cur_open = false;
  std::optional<std::size_t> last_stage;
  std::int64_t last_at = 0;
  auto flush_last = [&](std::optional<std::int64_t> end_at) {
    if (last_stage && end_at && in_window(last_at)) per_stage[*last_stage] += *end_at - last_at;
  };
  auto finish = [&]() {
    if (cur >= 0) flush_last(cur_open ? std::optional<std::int64_t>(now) : std::nullopt);
    for (const auto& [s, ms] : per_stage) samples[s].push_back(static_cast<double>(ms) / static_cast<double>(kMillisPerDay));
    per_stage.clear();
    last_stage.reset();
  };
  while (q.step()) {
    std::int64_t id = q.get_int(0);
    std::int64_t at = q.get_int(2);
    if (id != cur) {
      finish();
      cur = id;
      cur_open = q.get_int(3) != 0;
    } else {
      flush_last(at);
    }
    auto it = index.find(q.get_text(1));
    // A stay in a stage that is no longer configured still ends the stay before it.
    if (it == index.end()) last_stage.reset();
    else last_stage = it->second;
    last_at = at;
  }
  finish();

  Table t;
  t.add_column("stage", ColumnType::Text);
  t.add_column("opportunities", ColumnType::Int);
  t.add_column("mean_days", ColumnType::Float);
  t.add_column("median_days", ColumnType::Float);
  t.add_column("p90_days", ColumnType::Float);
  for (std::size_t i = 0; i < stages.size(); ++i) {
    auto& v = samples[i];
    t.column(0).push_text(stages[i].name);
    t.column(1).push_int(static_cast<std::int64_t>(v.size()));
    if (v.empty()) {
      for (std::size_t k = 2; k < 5; ++k) t.column(k).push_null();
      continue;
    }
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    t.column(2).push_float(sum / static_cast<double>(v.size()));
    t.column(3).push_float(quantile_sorted(v, 0.5));
    t.column(4).push_float(quantile_sorted(v, 0.9));
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

Table PipelineReports::forecast(const std::string& period_text, const ReportFilter& f) const {
  Period period = parse_period(period_text);
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions base = opportunity_conditions(ctx_, f);
  struct Row {
    std::int64_t end_ms = 0;
    std::string label;
    std::int64_t open = 0, pipeline_cents = 0, won = 0, won_cents = 0;
    double weighted_cents = 0.0;
  };
  const TimeZone zone = ctx_.zone();
  std::map<std::int64_t, Row> rows;  // by the period's first date
  auto row_of = [&](const Bucket& b) -> Row& {
    auto& r = rows[b.start_date.ms];
    r.end_ms = b.end_ms;
    r.label = b.label;
    return r;
  };
  {
    Conditions c = base;
    add_date_window(c, f, "o.close_date", zone);
    auto q = ctx_.db().prepare(
        "SELECT o.close_date, COUNT(*), SUM(o.amount_cents), SUM(o.amount_cents * COALESCE(o.probability, " +
        schema::pipeline_stage_probability_sql("o.stage") + ", 0)) FROM opportunities o WHERE o.status = 'open' AND o.close_date IS NOT NULL AND " + c.sql + " GROUP BY o.close_date");
    bind_params(q, c.params);
    while (q.step()) {
      auto& r = row_of(bucket_of(Date{q.get_int(0)}, period, zone));
      r.open += q.get_int(1);
      r.pipeline_cents += q.get_int(2);
      r.weighted_cents += q.get_double(3);
    }
  }
  {
    Conditions c = base;
    add_window(c, f, "o.closed_at");
    auto q = ctx_.db().prepare("SELECT o.closed_at / " + std::to_string(period_grain(zone)) +
                               " AS d, COUNT(*), SUM(o.amount_cents) FROM opportunities o "
                               "WHERE o.status = 'won' AND o.closed_at IS NOT NULL AND " + c.sql + " GROUP BY d");
    bind_params(q, c.params);
    while (q.step()) {
      auto& r = row_of(bucket_of(q.get_int(0) * period_grain(zone), period, zone));
      r.won += q.get_int(1);
      r.won_cents += q.get_int(2);
    }
  }
  const std::int64_t now = ctx_.now();
  Table t;
  t.add_column("period", ColumnType::Text);
  t.add_column("period_start", ColumnType::Date);
  t.add_column("period_closed", ColumnType::Bool);
  t.add_column("open_count", ColumnType::Int);
  t.add_column("pipeline_amount", ColumnType::Float);
  t.add_column("weighted_amount", ColumnType::Float);
  t.add_column("won_count", ColumnType::Int);
  t.add_column("won_amount", ColumnType::Float);
  t.add_column("forecast", ColumnType::Float);
  for (const auto& [start, r] : rows) {
    bool closed = r.end_ms <= now;
    double won = static_cast<double>(r.won_cents) / 100.0;
    double weighted = r.weighted_cents / 100.0;
    t.column(0).push_text(r.label);
    t.column(1).push_int(start);
    t.column(2).push_int(closed ? 1 : 0);
    t.column(3).push_int(r.open);
    t.column(4).push_float(static_cast<double>(r.pipeline_cents) / 100.0);
    t.column(5).push_float(weighted);
    t.column(6).push_int(r.won);
    t.column(7).push_float(won);
    t.column(8).push_float(closed ? won : won + weighted);
  }
  return t;
}

}  // namespace crmkit::pipeline
