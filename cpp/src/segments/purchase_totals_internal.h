// Per-customer purchase totals as of a date, the input of RFM scores.
#pragma once

#include <cstdint>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::segments::detail {

// One customer's orders up to the asof: purchases are the orders that are not refunds (an order
// of 0 included), cents the net spend (refunds subtract), last the latest purchase.
struct PurchaseTotals {
  std::int64_t customer_id = 0;
  std::int64_t purchases = 0;
  std::int64_t cents = 0;
  std::int64_t last = 0;
};

// The customers of the view with at least one purchase at or before `asof`, ascending by id.
// Read from the facts the relationship domain keeps per customer (order_count,
// lifetime_value_cents, last_order_at: the same definitions over all orders), less the orders
// after `asof`; when those are a large share of all orders, from one pass over the orders instead.
std::vector<PurchaseTotals> purchase_totals(const Context& ctx, std::int64_t asof);

// The same from one pass over every order (the definition the facts path must agree with).
std::vector<PurchaseTotals> purchase_totals_from_orders(const Context& ctx, std::int64_t asof);

}  // namespace crmkit::segments::detail
