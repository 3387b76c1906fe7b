// The relationship's reports (crmkit/relationship/reports.hpp): repeat purchases, the activity of
// the people working the customers, the lifecycle.
#include <algorithm>
#include <map>
#include <set>

#include "crmkit/customers/catalog.hpp"
#include "crmkit/error.hpp"
#include "crmkit/relationship/reports.hpp"
#include "crmkit/reporting/toolkit.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

using namespace reporting;

namespace {

// Scope, customer owner / team and the customer rule, over `customers c LEFT JOIN customer_facts f`.
Conditions customer_conditions(const Context& ctx, const ReportFilter& f, bool owner_team_on_customer) {
  Conditions c;
  add_scope(c, ctx, "customers", "c.owner_id");
  if (owner_team_on_customer) add_owner_team(c, ctx, f, "c.owner_id");
  add_rule(c, ctx, f, customers::customer_catalog(ctx));
  return c;
}

// `JOIN customers c ON <on>` and the catalog parts' joins: what a customer rule runs against.
std::string join_customer(const Context& ctx, const std::string& on) {
  return "JOIN customers c ON " + on + customers::rule_joins(ctx);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Table RelationshipReports::repurchase_rate(const std::string& period_text, const ReportFilter& f) const {
  Period period = parse_period(period_text);
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = customer_conditions(ctx_, f, true);
  // Every purchase of the selected customers (refunds are not purchases); the window selects the
  // periods reported, while "ordered before" looks at the whole history.
  auto q = ctx_.db().prepare("SELECT o.customer_id, o.at FROM orders o " + join_customer(ctx_, "c.id = o.customer_id") +
                             " WHERE o.refund_of IS NULL AND o.amount_cents > 0 AND " + c.sql +
                             " ORDER BY o.customer_id, o.at");
  bind_params(q, c.params);
  struct Row {
    std::string label;
    std::int64_t buyers = 0, repeat = 0;
  };
  const TimeZone zone = ctx_.zone();
  std::map<std::int64_t, Row> rows;  // by the period's first date
  std::int64_t cur = -1, first_at = 0, last_bucket = -1;
  bool have_last = false;
  while (q.step()) {
    std::int64_t id = q.get_int(0), at = q.get_int(1);
    if (id != cur) {
      cur = id;
      first_at = at;
      have_last = false;
    }
    if ((f.start_ms && at < *f.start_ms) || (f.end_ms && at >= *f.end_ms)) continue;
    auto b = bucket_of(at, period, zone);
    if (have_last && b.start_ms == last_bucket) continue;  // one count per customer and period
    have_last = true;
    last_bucket = b.start_ms;
    auto& r = rows[b.start_date.ms];
    r.label = b.label;
    r.buyers += 1;
    if (first_at < b.start_ms) r.repeat += 1;
  }
  Table t;
  t.add_column("period", ColumnType::Text);
  t.add_column("period_start", ColumnType::Date);
  t.add_column("customers", ColumnType::Int);
  t.add_column("repeat_customers", ColumnType::Int);
  t.add_column("repurchase_rate", ColumnType::Float);
  for (const auto& [start, r] : rows) {
    t.column(0).push_text(r.label);
    t.column(1).push_int(start);
    t.column(2).push_int(r.buyers);
    t.column(3).push_int(r.repeat);
    t.column(4).push_opt(ratio(static_cast<double>(r.repeat), static_cast<double>(r.buyers)));
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

Table RelationshipReports::activity(const std::string& by, const ReportFilter& f) const {
  Dim dim = parse_dim(by, {Dim::Owner, Dim::Team});
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions base = customer_conditions(ctx_, f, false);
  const std::int64_t now = ctx_.now();
  struct Counts {
    std::int64_t interactions = 0, tasks_done = 0, tasks_overdue = 0, opened = 0, closed = 0;
    std::int64_t sat_sum = 0, sat_count = 0;
  };
  std::map<std::optional<std::int64_t>, Counts> per_user;

  // One grouped query per kind of activity; `user_col` is the acting user, `time_col` (if any)
  // is the timestamp the window applies to.
  auto run = [&](const std::string& table, const std::string& user_col, const std::string& time_col,
                 const std::string& extra, const std::vector<rules::Value>& extra_params, const std::string& sums,
                 auto&& apply) {
    Conditions c = base;
    if (!extra.empty()) c.add(extra, extra_params);
    add_owner_team(c, ctx_, f, user_col);
    if (!time_col.empty()) add_window(c, f, time_col);
    auto q = ctx_.db().prepare("SELECT " + user_col + ", " + sums + " FROM " + table + " " +
                               join_customer(ctx_, "c.id = x.customer_id") + " WHERE " + c.sql + " GROUP BY " + user_col);
    bind_params(q, c.params);
    while (q.step()) apply(per_user[q.get_opt_int(0)], q);
  };
  run("interactions x", "x.user_id", "x.at", "", {}, "COUNT(*)",
      [](Counts& k, db::Stmt& q) { k.interactions += q.get_int(1); });
  run("tasks x", "x.assignee_id", "x.closed_at", "x.status = 'done' AND x.closed_at IS NOT NULL", {}, "COUNT(*)",
      [](Counts& k, db::Stmt& q) { k.tasks_done += q.get_int(1); });
  // Overdue is a state at now, as tasks.overdue() defines it (an all-day task once its local day
  // is over: it began before today did); the window does not apply.
  // Built one by one: g++ 12 at -O3 misreads a braced list of Values as uninitialised.
  std::vector<rules::Value> overdue_at;
  overdue_at.emplace_back(now);
  overdue_at.emplace_back(ctx_.zone().start_of_day(now));
  run("tasks x", "x.assignee_id", "", "x.status = 'open' AND x.due_at < ? AND (x.all_day = 0 OR x.due_at < ?)",
      overdue_at, "COUNT(*)",
      [](Counts& k, db::Stmt& q) { k.tasks_overdue += q.get_int(1); });
  run("tickets x", "x.opened_by", "x.opened_at", "", {}, "COUNT(*)",
      [](Counts& k, db::Stmt& q) { k.opened += q.get_int(1); });
  run("tickets x", "x.closed_by", "x.closed_at", "x.status = 'closed' AND x.closed_at IS NOT NULL", {},
      "COUNT(*), COALESCE(SUM(x.satisfaction), 0), COUNT(x.satisfaction)", [](Counts& k, db::Stmt& q) {
        k.closed += q.get_int(1);
        k.sat_sum += q.get_int(2);
        k.sat_count += q.get_int(3);
      });

  auto names = OrgNames::load(ctx_);
  std::map<GroupKey, Counts> groups;
  for (const auto& [user, k] : per_user) {
    GroupKey key;
    if (dim == Dim::Owner) {
      key.null = !user;
      key.id = user.value_or(0);
    } else {
      std::optional<std::int64_t> team;
      if (user) {
        auto it = names.user_team.find(*user);
        if (it != names.user_team.end()) team = it->second;
      }
      key.null = !team;
      key.id = team.value_or(0);
    }
    auto& g = groups[key];
    g.interactions += k.interactions;
    g.tasks_done += k.tasks_done;
    g.tasks_overdue += k.tasks_overdue;
    g.opened += k.opened;
    g.closed += k.closed;
    g.sat_sum += k.sat_sum;
    g.sat_count += k.sat_count;
  }
  Table t;
  add_key_columns(t, dim);
  std::size_t first = t.width();
  for (const char* n : {"interactions", "tasks_done", "tasks_overdue", "tickets_opened", "tickets_closed"})
    t.add_column(n, ColumnType::Int);
  t.add_column("mean_satisfaction", ColumnType::Float);
  for (const auto& [key, g] : groups) {
    push_key(t, dim, key, names);
    t.column(first).push_int(g.interactions);
    t.column(first + 1).push_int(g.tasks_done);
    t.column(first + 2).push_int(g.tasks_overdue);
    t.column(first + 3).push_int(g.opened);
    t.column(first + 4).push_int(g.closed);
    t.column(first + 5).push_opt(ratio(static_cast<double>(g.sat_sum), static_cast<double>(g.sat_count)));
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

namespace {

// Lifecycle stages in position order, then stages found in the data but no longer configured.
std::vector<std::string> lifecycle_order(const Context& ctx, const std::set<std::string>& seen) {
  std::vector<std::string> out = schema::Stages(ctx, "lifecycle").names();
  for (const auto& s : seen)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

struct Flow {
  std::int64_t changes = 0, customers = 0;
};

std::map<std::pair<std::string, std::string>, Flow> load_flows(const Context& ctx, const ReportFilter& f,
                                                              const Conditions& base) {
  Conditions c = base;
  add_window(c, f, "h.at");
  auto q = ctx.db().prepare(
      "SELECT COALESCE(h.old_value, ''), COALESCE(h.new_value, ''), COUNT(*), COUNT(DISTINCT h.entity_id) "
      "FROM history h " + join_customer(ctx, "c.id = h.entity_id") + " "
      "WHERE h.entity = 'customer' AND h.field = 'stage' AND " + c.sql + " GROUP BY 1, 2");
  bind_params(q, c.params);
  std::map<std::pair<std::string, std::string>, Flow> out;
  while (q.step()) out[{q.get_text(0), q.get_text(1)}] = Flow{q.get_int(2), q.get_int(3)};
  return out;
}

}  // namespace

Table RelationshipReports::lifecycle(const ReportFilter& f) const {
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = customer_conditions(ctx_, f, true);
  std::map<std::string, std::int64_t> now_counts;
  {
    auto q = ctx_.db().prepare("SELECT c.stage, COUNT(*) FROM " + customers::rule_from(ctx_) + " WHERE " + c.sql + " GROUP BY c.stage");
    bind_params(q, c.params);
    while (q.step()) now_counts[q.get_text(0)] = q.get_int(1);
  }
  auto flows = load_flows(ctx_, f, c);
  std::map<std::string, std::int64_t> entered, left;
  std::set<std::string> seen;
  for (const auto& [s, n] : now_counts) seen.insert(s);
  for (const auto& [k, fl] : flows) {
    if (!k.second.empty()) entered[k.second] += fl.changes, seen.insert(k.second);
    if (!k.first.empty()) left[k.first] += fl.changes, seen.insert(k.first);
  }
  Table t;
  t.add_column("stage", ColumnType::Text);
  t.add_column("customers", ColumnType::Int);
  t.add_column("entered", ColumnType::Int);
  t.add_column("left", ColumnType::Int);
  auto get = [](const std::map<std::string, std::int64_t>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::int64_t{0} : it->second;
  };
  for (const auto& s : lifecycle_order(ctx_, seen)) {
    t.column(0).push_text(s);
    t.column(1).push_int(get(now_counts, s));
    t.column(2).push_int(get(entered, s));
    t.column(3).push_int(get(left, s));
  }
  return t;
}

Table RelationshipReports::lifecycle_flows(const ReportFilter& f) const {
  db::Transaction tx(ctx_.db(), false);
  check_window(f);
  Conditions c = customer_conditions(ctx_, f, true);
  auto flows = load_flows(ctx_, f, c);
  std::set<std::string> seen;
  for (const auto& [k, fl] : flows) seen.insert(k.first), seen.insert(k.second);
  seen.erase("");
  auto order = lifecycle_order(ctx_, seen);
  auto pos = [&](const std::string& s) {
    auto it = std::find(order.begin(), order.end(), s);
    return s.empty() ? -1 : static_cast<int>(it - order.begin());
  };
  std::vector<std::pair<std::pair<int, int>, std::pair<std::string, std::string>>> keys;
  for (const auto& [k, fl] : flows) keys.push_back({{pos(k.first), pos(k.second)}, k});
  std::sort(keys.begin(), keys.end());
  Table t;
  t.add_column("from_stage", ColumnType::Text);
  t.add_column("to_stage", ColumnType::Text);
  t.add_column("changes", ColumnType::Int);
  t.add_column("customers", ColumnType::Int);
  for (const auto& [p, k] : keys) {
    const auto& fl = flows[k];
    if (k.first.empty()) t.column(0).push_null();
    else t.column(0).push_text(k.first);
    if (k.second.empty()) t.column(1).push_null();
    else t.column(1).push_text(k.second);
    t.column(2).push_int(fl.changes);
    t.column(3).push_int(fl.customers);
  }
  return t;
}

}  // namespace crmkit::relationship
