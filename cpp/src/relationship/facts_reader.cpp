// Reading the derived per-customer facts onto customer records and listings. This domain writes
// and owns them (crmkit/relationship/facts.hpp); the customers domain shows them through the
// reader installed here (crmkit/customers/hooks.hpp).
#include "relationship_internal.h"

#include <algorithm>
#include <unordered_map>

#include "crmkit/customers/hooks.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/rules/semantics.hpp"

namespace crmkit::relationship::detail {

using customers::CustomerFacts;

namespace {

// The stored facts columns read_facts() expects, over `customer_facts f`.
constexpr const char* kFactColumns =
    "f.last_contact_at, f.interaction_count, f.order_count, f.lifetime_value_cents, f.first_order_at, "
    "f.last_order_at, f.satisfaction_sum, f.satisfaction_count, f.open_tickets";

// Reads the nine stored columns starting at `first`; days_since_contact relative to `now`.
CustomerFacts read_facts(const db::Stmt& q, int first, std::int64_t now) {
  CustomerFacts f;
  if (auto last = q.get_opt_int(first)) {
    f.last_contact_at = Timestamp{*last};
    // The rule language's definition, so the record shows what days_since_contact rules test.
    const rules::Value days = rules::semantics::days_since(rules::Value(*last), now);
    if (days.is_int()) f.days_since_contact = days.as_int();
  }
  f.interaction_count = q.get_int(first + 1);
  f.order_count = q.get_int(first + 2);
  f.lifetime_value = static_cast<double>(q.get_int(first + 3)) / 100.0;
  if (auto v = q.get_opt_int(first + 4)) f.first_order_at = Timestamp{*v};
  if (auto v = q.get_opt_int(first + 5)) f.last_order_at = Timestamp{*v};
  std::int64_t n = q.get_int(first + 7);
  if (n > 0) f.avg_satisfaction = static_cast<double>(q.get_int(first + 6)) / static_cast<double>(n);
  f.open_tickets = q.get_int(first + 8);
  return f;
}

}  // namespace

CustomerFacts load_facts(const Context& ctx, std::int64_t customer_id) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kFactColumns + " FROM customer_facts f WHERE f.customer_id = ?");
  q.bind_all(customer_id);
  if (!q.step()) return {};
  return read_facts(q, 0, ctx.now());
}

void add_fact_columns(const Context& ctx, Table& t) {
  std::size_t first = t.width();
  for (auto [n, ty] : {std::pair{"last_contact_at", ColumnType::Time}, {"days_since_contact", ColumnType::Int},
                       {"interaction_count", ColumnType::Int}, {"order_count", ColumnType::Int},
                       {"lifetime_value", ColumnType::Float}, {"first_order_at", ColumnType::Time},
                       {"last_order_at", ColumnType::Time}, {"avg_satisfaction", ColumnType::Float},
                       {"open_tickets", ColumnType::Int}})
    t.add_column(n, ty);
  std::size_t n = t.rows();
  if (n == 0) return;
  const auto& ids = t.column("id").ints;
  std::vector<CustomerFacts> facts(n);
  const std::int64_t now = ctx.now();
  std::int64_t lo = ids.front(), hi = ids.back();
  for (auto id : ids) lo = std::min(lo, id), hi = std::max(hi, id);
  if (static_cast<std::uint64_t>(hi - lo) <= 4 * n + 64) {
    // A dense page: one range read beats a lookup per row.
    std::unordered_map<std::int64_t, std::size_t> row_of;
    row_of.reserve(n);
    for (std::size_t r = 0; r < n; ++r) row_of[ids[r]] = r;
    auto q = ctx.db().prepare(std::string("SELECT f.customer_id, ") + kFactColumns +
                              " FROM customer_facts f WHERE f.customer_id BETWEEN ? AND ?");
    q.bind_all(lo, hi);
    while (q.step()) {
      auto it = row_of.find(q.get_int(0));
      if (it != row_of.end()) facts[it->second] = read_facts(q, 1, now);
    }
  } else {
    auto q = ctx.db().prepare(std::string("SELECT ") + kFactColumns + " FROM customer_facts f WHERE f.customer_id = ?");
    for (std::size_t r = 0; r < n; ++r) {
      q.bind_all(ids[r]);
      if (q.step()) facts[r] = read_facts(q, 0, now);
      q.reset();
    }
  }
  auto opt_ms = [](const std::optional<Timestamp>& t) {
    return t ? std::optional<std::int64_t>(t->ms) : std::nullopt;
  };
  for (const auto& f : facts) {
    std::size_t k = first;
    t.column(k++).push_opt(opt_ms(f.last_contact_at));
    t.column(k++).push_opt(f.days_since_contact);
    t.column(k++).push_int(f.interaction_count);
    t.column(k++).push_int(f.order_count);
    t.column(k++).push_float(f.lifetime_value);
    t.column(k++).push_opt(opt_ms(f.first_order_at));
    t.column(k++).push_opt(opt_ms(f.last_order_at));
    t.column(k++).push_opt(f.avg_satisfaction);
    t.column(k++).push_int(f.open_tickets);
  }
}

customers::FactsReader facts_reader() {
  return customers::FactsReader{" LEFT JOIN customer_facts f ON f.customer_id = c.id", kFactColumns, read_facts,
                                add_fact_columns};
}

}  // namespace crmkit::relationship::detail
