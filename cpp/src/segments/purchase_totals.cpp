#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "purchase_totals_internal.h"

namespace crmkit::segments::detail {

namespace {

// The ids of the customers a scoped view sees; empty optional for a view that sees all.
std::optional<std::unordered_set<std::int64_t>> visible_customers(const Context& ctx) {
  if (!ctx.who->visible_owners("customers")) return std::nullopt;
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  auto v = ctx.db().prepare("SELECT c.id FROM customers c WHERE " + scope.sql);
  int i = 0;
  for (auto id : scope.params) v.bind(++i, id);
  std::unordered_set<std::int64_t> ids;
  while (v.step()) ids.insert(v.get_int(0));
  return ids;
}

// What the orders after the asof added to one customer's facts.
struct LaterOrders {
  std::int64_t purchases = 0;
  std::int64_t cents = 0;
};

}  // namespace

std::vector<PurchaseTotals> purchase_totals_from_orders(const Context& ctx, std::int64_t asof) {
  // One sequential pass, aggregated in memory: a GROUP BY through the (customer_id, at) index
  // reads the table in index order, which costs several times more on millions of orders.
  std::unordered_map<std::int64_t, PurchaseTotals> per_customer;
  auto q = ctx.db().prepare("SELECT customer_id, at, amount_cents FROM orders WHERE at <= ?");
  q.bind(1, asof);
  while (q.step()) {
    PurchaseTotals& a = per_customer[q.get_int(0)];
    std::int64_t cents = q.get_int(2);
    a.cents += cents;
    if (cents >= 0) {
      ++a.purchases;
      a.last = std::max(a.last, q.get_int(1));
    }
  }
  q.reset();
  auto visible = visible_customers(ctx);
  std::vector<PurchaseTotals> out;
  out.reserve(per_customer.size());
  for (auto& [id, a] : per_customer) {
    if (a.purchases == 0 || (visible && !visible->count(id))) continue;
    a.customer_id = id;
    out.push_back(a);
  }
  std::sort(out.begin(), out.end(),
            [](const PurchaseTotals& x, const PurchaseTotals& y) { return x.customer_id < y.customer_id; });
  return out;
}

std::vector<PurchaseTotals> purchase_totals(const Context& ctx, std::int64_t asof) {
  auto& db = ctx.db();
  // The largest order id bounds the number of orders: the facts path pays off while the orders
  // after the asof (read through the orders(at) index, each undone from its customer's facts)
  // are a small share of them. Asking for an earlier date than most orders takes the full pass.
  auto top = db.prepare("SELECT max(id) FROM orders");
  top.step();
  const std::int64_t bound = top.is_null(0) ? 0 : top.get_int(0);
  top.reset();
  if (bound == 0) return {};
  std::unordered_map<std::int64_t, LaterOrders> later;
  {
    auto q = db.prepare("SELECT customer_id, amount_cents FROM orders WHERE at > ?");
    q.bind(1, asof);
    std::int64_t seen = 0;
    while (q.step()) {
      if (++seen * 4 > bound) {
        q.reset();
        return purchase_totals_from_orders(ctx, asof);
      }
      LaterOrders& l = later[q.get_int(0)];
      std::int64_t cents = q.get_int(1);
      l.cents += cents;
      if (cents >= 0) ++l.purchases;
    }
  }
  std::string sql = "SELECT f.customer_id, f.order_count, f.lifetime_value_cents, f.last_order_at FROM customer_facts f";
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  const bool scoped = ctx.who->visible_owners("customers").has_value();
  if (scoped) sql += " JOIN customers c ON c.id = f.customer_id AND " + scope.sql;
  sql += " WHERE f.order_count > 0 ORDER BY f.customer_id";
  auto q = db.prepare(sql);
  int i = 0;
  if (scoped)
    for (auto id : scope.params) q.bind(++i, id);
  std::vector<PurchaseTotals> out;
  std::vector<std::size_t> stale_last;  // positions whose latest purchase is after the asof
  while (q.step()) {
    PurchaseTotals t{q.get_int(0), q.get_int(1), q.get_int(2), q.is_null(3) ? 0 : q.get_int(3)};
    bool last_after = q.is_null(3);
    if (auto it = later.find(t.customer_id); it != later.end()) {
      t.purchases -= it->second.purchases;
      t.cents -= it->second.cents;
      last_after = last_after || it->second.purchases > 0;
    }
    if (t.purchases <= 0) continue;
    if (last_after) stale_last.push_back(out.size());
    out.push_back(t);
  }
  q.reset();
  if (!stale_last.empty()) {
    auto last = db.prepare("SELECT max(at) FROM orders WHERE customer_id = ? AND at <= ? AND amount_cents >= 0");
    for (std::size_t k : stale_last) {
      last.bind(1, out[k].customer_id);
      last.bind(2, asof);
      last.step();
      out[k].last = last.is_null(0) ? 0 : last.get_int(0);
      last.reset();
    }
  }
  return out;
}

}  // namespace crmkit::segments::detail
