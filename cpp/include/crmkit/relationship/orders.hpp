// crmkit/relationship/orders.hpp — orders (成交/复购) and refunds.
//
// An order has an amount, a time and optional line items (sku, qty, price). A refund is a
// negative order linked to its original; the refunds of an order never exceed its amount. Money
// is float currency units in the API and INTEGER cents in storage (rounded half away from zero
// to the cent). The customer's order_count, lifetime_value and first/last_order_at are kept
// current in the same transaction. Every call is one transaction; a scoped view sees orders of
// customers in its scope. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

struct OrderItem {
  std::string sku;
  std::int64_t qty = 1;
  double price = 0;
};

struct Order {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  double amount = 0;  // negative for a refund
  Timestamp at;
  std::optional<std::int64_t> refund_of;
  std::vector<OrderItem> items;
  std::optional<std::string> note;
  double refunded = 0;  // for an original: the sum of its refunds (positive)
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
};

struct OrderInput {
  std::int64_t customer_id = 0;
  std::optional<double> amount;   // default: the sum of the items
  std::optional<Timestamp> at;    // default: now
  std::vector<OrderItem> items;
  std::optional<std::string> note;
  // For a negative amount: the order it refunds (same as refund()).
  std::optional<std::int64_t> refund_of;
};

class Orders {
 public:
  explicit Orders(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }

  // Throws ValidationError (amount missing, zero or negative without refund_of; items that do not
  // add up to the amount; bad sku/qty/price), NotFound, PermissionDenied.
  Order add(const OrderInput& input);
  // All or nothing; facts updated once per customer. A bad row raises ValidationError with row().
  std::vector<std::int64_t> add_many(const std::vector<OrderInput>& inputs);
  // A negative order for `amount` (default: what remains) of order `order_id`. Throws
  // ValidationError (field "amount": more than remains, not positive; field "order": a refund).
  Order refund(std::int64_t order_id, std::optional<double> amount = std::nullopt,
               std::optional<Timestamp> at = std::nullopt, const std::optional<std::string>& note = std::nullopt);
  Order get(std::int64_t id) const;
  // Deletes the order (and, for an original, its refunds) and recomputes the customer's facts.
  void remove(std::int64_t id);
  // Columns: id, customer_id, customer, amount, at, refund_of, refunded, items (count), note,
  // created_at. Newest first.
  Table list(std::optional<std::int64_t> customer_id = std::nullopt, std::int64_t limit = -1,
             std::int64_t offset = 0) const;
  // The first order of the customer at this time for this amount in cents (how an import run
  // again recognises the rows it added before); no scope check.
  std::optional<std::int64_t> find_same(std::int64_t customer_id, Timestamp at, std::int64_t amount_cents) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
