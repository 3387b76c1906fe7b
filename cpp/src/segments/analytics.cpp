#include "crmkit/segments/analytics.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "crmkit/error.hpp"
#include "crmkit/segments/rfm_model.hpp"
#include "purchase_totals_internal.h"

namespace crmkit::segments {

namespace {

// The last fit of this engine with the summaries it was made from, so that predict() after fit()
// (or a second predict()) neither refits nor reads the orders again. It stands for the data as it
// was: any write on this connection (total_changes) or commit by another (data_version) since
// makes it stale, as does another view's scope or another asof or unit.
struct ClvMemo {
  std::mutex mutex;
  struct Entry {
    std::string scope;  // the view's owner filter and its parameters
    std::int64_t data_version = 0, total_changes = 0;
    ClvFit fit;
    std::shared_ptr<const std::vector<CustomerSummary>> summaries;
  };
  std::optional<Entry> last;
};

std::string scope_key(const Context& ctx) {
  auto f = ctx.who->owner_filter("customers", "c.owner_id");
  std::string key = f.sql;
  for (auto id : f.params) key += "," + std::to_string(id);
  return key;
}

// The memo's entry when it is current for this view and, if given, this asof and unit.
std::optional<ClvMemo::Entry> recall(const Context& ctx, std::optional<std::int64_t> asof_ms,
                                     const std::optional<std::string>& unit) {
  auto& memo = ctx.live().extension<ClvMemo>();
  std::lock_guard<std::mutex> lock(memo.mutex);
  if (!memo.last) return std::nullopt;
  const auto& e = *memo.last;
  if (e.data_version != ctx.db().data_version() || e.total_changes != ctx.db().total_changes()) return std::nullopt;
  if (e.scope != scope_key(ctx)) return std::nullopt;
  if (asof_ms && *asof_ms != e.fit.asof_ms) return std::nullopt;
  if (unit && *unit != e.fit.time_unit) return std::nullopt;
  return e;
}

void remember(const Context& ctx, const ClvFit& fit, std::shared_ptr<const std::vector<CustomerSummary>> s) {
  auto& memo = ctx.live().extension<ClvMemo>();
  ClvMemo::Entry e{scope_key(ctx), ctx.db().data_version(), ctx.db().total_changes(), fit, std::move(s)};
  std::lock_guard<std::mutex> lock(memo.mutex);
  memo.last = std::move(e);
}

}  // namespace

TimeUnit parse_time_unit(const std::string& unit) {
  if (unit == "day") return TimeUnit::Day;
  if (unit == "week") return TimeUnit::Week;
  if (unit == "month") return TimeUnit::Month;
  throw ValidationError("time_unit: '" + unit + "' is not a time unit (day, week or month)", "time_unit");
}

Table Rfm::score(std::optional<std::int64_t> asof_ms) const {
  db::Transaction tx(ctx_.db(), false);
  std::int64_t asof = asof_ms.value_or(ctx_.now());
  // From the per-customer facts rather than a pass over every order (purchase_totals_internal.h).
  auto totals = detail::purchase_totals(ctx_, asof);
  std::vector<RfmInput> inputs;
  inputs.reserve(totals.size());
  for (const auto& a : totals) {
    double recency = std::floor(static_cast<double>(asof - a.last) / kMillisPerDay);
    inputs.push_back(RfmInput{a.customer_id, recency, static_cast<double>(a.purchases), static_cast<double>(a.cents) / 100.0});
  }
  auto scores = rfm_scores(inputs);
  Table t;
  for (auto [n, ty] : {std::pair{"customer_id", ColumnType::Int}, {"recency_days", ColumnType::Int},
                       {"frequency", ColumnType::Int}, {"monetary", ColumnType::Float}, {"r", ColumnType::Int},
                       {"f", ColumnType::Int}, {"m", ColumnType::Int}, {"label", ColumnType::Text}})
    t.add_column(n, ty);
  t.reserve(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    t.column(0).push_int(inputs[k].customer_id);
    t.column(1).push_int(static_cast<std::int64_t>(inputs[k].recency_days));
    t.column(2).push_int(static_cast<std::int64_t>(inputs[k].frequency));
    t.column(3).push_float(inputs[k].monetary);
    t.column(4).push_int(scores[k].r);
    t.column(5).push_int(scores[k].f);
    t.column(6).push_int(scores[k].m);
    t.column(7).push_text(scores[k].label);
  }
  return t;
}

std::vector<CustomerSummary> Clv::summaries(std::int64_t asof_ms, TimeUnit unit) const {
  auto scope = ctx_.who->owner_filter("customers", "c.owner_id");
  auto q = ctx_.db().prepare("SELECT o.customer_id, o.at, o.amount_cents FROM orders o JOIN customers c ON c.id = o.customer_id "
                             "WHERE o.at <= ? AND " + scope.sql);
  int i = 0;
  q.bind(++i, asof_ms);
  for (auto id : scope.params) q.bind(++i, id);
  std::vector<Purchase> purchases;
  while (q.step()) purchases.push_back(Purchase{q.get_int(0), q.get_int(1), q.get_int(2) / 100.0});
  return summarize(std::move(purchases), asof_ms, unit);
}

ClvFit Clv::fit(std::optional<std::int64_t> asof_ms, const std::string& time_unit) const {
  TimeUnit unit = parse_time_unit(time_unit);
  db::Transaction tx(ctx_.db(), false);
  ClvFit f;
  f.asof_ms = asof_ms.value_or(ctx_.now());
  f.time_unit = time_unit;
  auto s = std::make_shared<const std::vector<CustomerSummary>>(summaries(f.asof_ms, unit));
  f.customers = s->size();
  f.purchases = fit_bg_nbd(*s);
  try {
    f.spend = fit_gamma_gamma(*s);
    f.spend_fitted = true;
  } catch (const ValidationError&) {
    // Too few repeat buyers for the spend model: expected value falls back to mean spend.
    f.spend_fitted = false;
  }
  remember(ctx_, f, std::move(s));
  return f;
}

Table Clv::predict(double horizon_days, const std::optional<ClvFit>& given, std::optional<std::int64_t> asof_ms,
                   const std::string& time_unit) const {
  if (!(horizon_days > 0) || !std::isfinite(horizon_days))
    throw ValidationError("horizon_days must be a positive number of days", "horizon_days");
  parse_time_unit(time_unit);
  db::Transaction tx(ctx_.db(), false);
  // Without a fit: the engine's last one when it is current for this view and unit (and asof,
  // when one is given; without one, the fit's asof is the default), else a new fit.
  ClvFit f;
  std::shared_ptr<const std::vector<CustomerSummary>> known;
  if (given) {
    f = *given;
    if (auto e = recall(ctx_, f.asof_ms, f.time_unit)) known = e->summaries;
  } else if (auto e = recall(ctx_, asof_ms, time_unit)) {
    f = e->fit;
    known = e->summaries;
  } else {
    f = fit(asof_ms, time_unit);
    if (auto again = recall(ctx_, f.asof_ms, f.time_unit)) known = again->summaries;
  }
  TimeUnit unit = parse_time_unit(f.time_unit);
  if (!known) known = std::make_shared<const std::vector<CustomerSummary>>(summaries(f.asof_ms, unit));
  const auto& s = *known;
  double horizon = horizon_days / time_unit_days(unit);
  double mean_spend = 0;
  std::size_t buyers = 0;
  for (const auto& c : s)
    if (c.frequency > 0) {
      mean_spend += c.monetary;
      ++buyers;
    }
  mean_spend = buyers ? mean_spend / static_cast<double>(buyers) : 0.0;
  Table t;
  for (auto name : {"customer_id", "frequency", "recency", "T", "monetary", "p_alive", "expected_purchases",
                    "expected_value"})
    t.add_column(name, std::string(name) == "customer_id" ? ColumnType::Int : ColumnType::Float);
  t.reserve(s.size());
  for (const auto& c : s) {
    double p_alive = bg_nbd_p_alive(f.purchases, c.frequency, c.recency, c.T);
    double purchases = bg_nbd_expected_purchases(f.purchases, horizon, c.frequency, c.recency, c.T);
    double spend = f.spend_fitted ? gamma_gamma_expected_spend(f.spend, c.frequency, c.monetary) : mean_spend;
    t.column(0).push_int(c.customer_id);
    t.column(1).push_float(c.frequency);
    t.column(2).push_float(c.recency);
    t.column(3).push_float(c.T);
    t.column(4).push_float(c.monetary);
    t.column(5).push_float(p_alive);
    t.column(6).push_float(purchases);
    t.column(7).push_float(purchases * spend);
  }
  return t;
}

}  // namespace crmkit::segments
