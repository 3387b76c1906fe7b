#include "crmkit/relationship/orders.hpp"

#include <algorithm>
#include <map>

#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

// What an order's "created" event names (field names only, never values).
const std::vector<std::string> kOrderFields = {"amount", "at", "items", "note"};
const std::vector<std::string> kRefundFields = {"amount", "at", "note", "refund_of"};

using detail::from_cents;
using detail::row_prefix;
using detail::kMaxAmountCents;
using detail::to_cents;

struct Row {
  std::int64_t customer_id = 0;
  std::int64_t cents = 0;
  std::int64_t at = 0;
  std::optional<std::int64_t> refund_of;
  std::optional<std::string> note;
  struct Item {
    std::string sku;
    std::int64_t qty;
    std::int64_t price_cents;
  };
  std::vector<Item> items;
};

std::string money(std::int64_t cents) {
  std::string sign = cents < 0 ? "-" : "";
  std::int64_t a = cents < 0 ? -cents : cents;
  std::string frac = std::to_string(a % 100);
  return sign + std::to_string(a / 100) + "." + (frac.size() < 2 ? "0" : "") + frac;
}

// What remains refundable of an original order (its amount plus its refunds), after checking that
// `order_id` is an original.
std::int64_t remaining_of(const Context& ctx, std::int64_t order_id, std::int64_t& customer_id,
                          std::optional<std::int64_t> row, const std::string& field) {
  auto q = ctx.db().prepare("SELECT customer_id, amount_cents, refund_of FROM orders WHERE id = ?");
  q.bind_all(order_id);
  if (!q.step()) throw NotFound(row_prefix(row) + field + ": order " + std::to_string(order_id) + " does not exist");
  if (!q.is_null(2))
    throw ValidationError(row_prefix(row) + field + ": order " + std::to_string(order_id) +
                              " is itself a refund; refund the original order",
                          field, row);
  customer_id = q.get_int(0);
  std::int64_t amount = q.get_int(1);
  q.reset();
  auto r = ctx.db().prepare("SELECT coalesce(sum(amount_cents), 0) FROM orders WHERE refund_of = ?");
  r.bind_all(order_id);
  r.step();
  return amount + r.get_int(0);
}

// The per-row checks of a single call (the bulk call uses detail::BatchChecks).
struct SingleChecks {
  const Context& ctx;
  std::optional<std::int64_t> require_customer(std::int64_t id, const std::string& action,
                                               std::optional<std::int64_t> row) const {
    return detail::require_customer(ctx, id, action, row);
  }
};

template <typename Checks>
Row validate(const Context& ctx, const Checks& checks, const OrderInput& in, std::optional<std::int64_t> row) {
  Row r;
  r.at = in.at ? in.at->ms : ctx.now();
  std::int64_t items_total = 0;
  for (std::size_t k = 0; k < in.items.size(); ++k) {
    const auto& it = in.items[k];
    Row::Item item;
    item.sku = *text::clean(it.sku, "items", text::kMaxShort, true, row);
    if (it.qty <= 0)
      throw ValidationError(row_prefix(row) + "items: line " + std::to_string(k) + " has quantity " +
                                std::to_string(it.qty) + "; it must be positive",
                            "items", row);
    item.qty = it.qty;
    item.price_cents = to_cents(it.price, "items", row);
    if (item.price_cents < 0)
      throw ValidationError(row_prefix(row) + "items: line " + std::to_string(k) + " has a negative price", "items", row);
    std::int64_t line = 0;
    if (__builtin_mul_overflow(item.qty, item.price_cents, &line) ||
        __builtin_add_overflow(items_total, line, &items_total) || items_total > kMaxAmountCents)
      throw ValidationError(row_prefix(row) + "items: the lines add up to more than " + money(kMaxAmountCents) +
                                ", the largest amount of one order",
                            "items", row);
    r.items.push_back(std::move(item));
  }
  if (in.amount) {
    r.cents = to_cents(*in.amount, "amount", row);
    if (!r.items.empty() && items_total != r.cents)
      throw ValidationError(row_prefix(row) + "items: the lines add up to " + money(items_total) +
                                " but the amount is " + money(r.cents),
                            "items", row);
  } else if (!r.items.empty()) {
    r.cents = items_total;
  } else {
    throw ValidationError(row_prefix(row) + "amount is required (or give items)", "amount", row);
  }
  // An order of 0 (a free item, a sample, a promotion) is an order: it counts in order_count and
  // RFM frequency and adds nothing to lifetime value (docs/clv_rfm.md, "Zero-amount orders").
  if (in.note) r.note = text::clean(*in.note, "note", text::kMaxLong, false, row);
  if (r.cents < 0) {
    if (!in.refund_of)
      throw ValidationError(row_prefix(row) + "amount: a negative order is a refund and needs the original order "
                                              "(use orders.refund(original, amount=...))",
                            "amount", row);
    if (!r.items.empty())
      throw ValidationError(row_prefix(row) + "items: a refund has no line items", "items", row);
    std::int64_t original_customer = 0;
    std::int64_t left = remaining_of(ctx, *in.refund_of, original_customer, row, "refund_of");
    if (original_customer != in.customer_id)
      throw ValidationError(row_prefix(row) + "refund_of: order " + std::to_string(*in.refund_of) +
                                " belongs to another customer",
                            "refund_of", row);
    if (-r.cents > left)
      throw ValidationError(row_prefix(row) + "amount: refund of " + money(-r.cents) + " exceeds the " + money(left) +
                                " that remains of order " + std::to_string(*in.refund_of),
                            "amount", row);
    r.refund_of = in.refund_of;
  } else if (in.refund_of) {
    throw ValidationError(row_prefix(row) + "amount: a refund must have a negative amount", "amount", row);
  }
  checks.require_customer(in.customer_id, "add an order for", row);
  r.customer_id = in.customer_id;
  return r;
}

std::int64_t insert(const Context& ctx, const Row& r) {
  ctx.db()
      .prepare("INSERT INTO orders(customer_id, amount_cents, at, refund_of, note, created_by, created_at) "
               "VALUES (?,?,?,?,?,?,?)")
      .bind_all(r.customer_id, r.cents, r.at, r.refund_of, r.note, ctx.actor(), ctx.now())
      .exec();
  std::int64_t id = ctx.db().last_insert_id();
  // The customer's order facts change with it.
  events::emit(ctx, events::ChangeKind::Created, "order", id, r.customer_id, r.refund_of ? kRefundFields : kOrderFields);
  if (!r.items.empty()) {
    auto ins = ctx.db().prepare(
        "INSERT INTO order_items(customer_id, order_id, line, sku, qty, price_cents) VALUES (?,?,?,?,?,?)");
    for (std::size_t k = 0; k < r.items.size(); ++k) {
      ins.bind_all(r.customer_id, id, static_cast<std::int64_t>(k), r.items[k].sku, r.items[k].qty, r.items[k].price_cents);
      ins.exec();
      ins.reset();
    }
  }
  return id;
}

// A purchase is any order that is not a refund (refunds are the negative ones), zero included.
bool is_purchase(const Row& r) { return r.cents >= 0; }

void apply_facts(const Context& ctx, const Row& r) {
  bool purchase = is_purchase(r);
  detail::facts_order_added(ctx, r.customer_id, purchase ? 1 : 0, r.cents,
                            purchase ? std::optional(r.at) : std::nullopt, purchase ? std::optional(r.at) : std::nullopt);
}

// The order just inserted from `r`, as load() would read it back: the row holds exactly what was
// written (a new order has no refunds yet), so reading it again would only cost two queries.
Order inserted(const Context& ctx, std::int64_t id, const Row& r) {
  Order o;
  o.id = id;
  o.customer_id = r.customer_id;
  o.amount = from_cents(r.cents);
  o.at = Timestamp{r.at};
  o.refund_of = r.refund_of;
  o.note = r.note;
  o.created_by = ctx.actor();
  o.created_at = Timestamp{ctx.now()};
  o.refunded = -from_cents(0);
  for (const auto& item : r.items) o.items.push_back({item.sku, item.qty, from_cents(item.price_cents)});
  return o;
}

Order load(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare(
      "SELECT o.id, o.customer_id, o.amount_cents, o.at, o.refund_of, o.note, o.created_by, o.created_at, "
      "(SELECT coalesce(sum(r.amount_cents), 0) FROM orders r WHERE r.refund_of = o.id) FROM orders o WHERE o.id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("order " + std::to_string(id) + " does not exist");
  Order o;
  o.id = q.get_int(0);
  o.customer_id = q.get_int(1);
  o.amount = from_cents(q.get_int(2));
  o.at = Timestamp{q.get_int(3)};
  o.refund_of = q.get_opt_int(4);
  o.note = q.get_opt_text(5);
  o.created_by = q.get_opt_int(6);
  o.created_at = Timestamp{q.get_int(7)};
  o.refunded = -from_cents(q.get_int(8));
  q.reset();
  auto it = ctx.db().prepare("SELECT sku, qty, price_cents FROM order_items WHERE order_id = ? ORDER BY line");
  it.bind_all(id);
  while (it.step()) o.items.push_back({it.get_text(0), it.get_int(1), from_cents(it.get_int(2))});
  return o;
}

}  // namespace

Order Orders::add(const OrderInput& input) {
  db::Transaction tx(ctx_.db());
  Row r = validate(ctx_, SingleChecks{ctx_}, input, std::nullopt);
  std::int64_t id = insert(ctx_, r);
  apply_facts(ctx_, r);
  if (r.refund_of) history::record(ctx_, "order", *r.refund_of, "refund", std::nullopt, money(-r.cents), r.note);
  Order o = inserted(ctx_, id, r);
  tx.commit();
  log::logger().debug("orders.add id={} customer={}", id, r.customer_id);
  return o;
}

std::vector<std::int64_t> Orders::add_many(const std::vector<OrderInput>& inputs) {
  db::BulkWrite bulk(ctx_.db());
  db::Transaction tx(ctx_.db());
  std::vector<std::int64_t> ids;
  ids.reserve(inputs.size());
  std::vector<std::int64_t> customer_ids;
  customer_ids.reserve(inputs.size());
  for (const auto& in : inputs) customer_ids.push_back(in.customer_id);
  detail::BatchChecks checks(ctx_, customer_ids);
  std::map<std::int64_t, detail::OrderDelta> per_customer;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Row r = validate(ctx_, checks, inputs[k], static_cast<std::int64_t>(k));
    ids.push_back(insert(ctx_, r));
    if (r.refund_of) history::record(ctx_, "order", *r.refund_of, "refund", std::nullopt, money(-r.cents), r.note);
    auto& a = per_customer[r.customer_id];
    if (__builtin_add_overflow(a.cents, r.cents, &a.cents))
      throw detail::lifetime_value_out_of_range(r.customer_id, static_cast<std::int64_t>(k));
    if (is_purchase(r)) {
      ++a.positive_count;
      a.first_at = a.first_at ? std::min(*a.first_at, r.at) : r.at;
      a.last_at = a.last_at ? std::max(*a.last_at, r.at) : r.at;
    }
  }
  detail::facts_orders_added(ctx_, per_customer);
  tx.commit();
  log::logger().debug("orders.add_many count={}", ids.size());
  return ids;
}

Order Orders::refund(std::int64_t order_id, std::optional<double> amount, std::optional<Timestamp> at,
                     const std::optional<std::string>& note) {
  db::Transaction tx(ctx_.db());
  std::int64_t customer = 0;
  std::int64_t left = remaining_of(ctx_, order_id, customer, std::nullopt, "order");
  detail::require_customer(ctx_, customer, "refund an order of");
  OrderInput in;
  in.customer_id = customer;
  in.refund_of = order_id;
  in.at = at;
  in.note = note;
  if (amount) {
    if (!(*amount > 0))
      throw ValidationError("amount: a refund amount must be positive (it is recorded as a negative order)", "amount");
    in.amount = -*amount;
  } else {
    if (left <= 0) throw ValidationError("amount: order " + std::to_string(order_id) + " is already fully refunded", "amount");
    in.amount = -from_cents(left);
  }
  Order o = add(in);
  tx.commit();
  return o;
}

std::optional<std::int64_t> Orders::find_same(std::int64_t customer_id, Timestamp at, std::int64_t amount_cents) const {
  auto q = ctx_.db().prepare("SELECT id FROM orders WHERE customer_id = ? AND at = ? AND amount_cents = ? ORDER BY id LIMIT 1");
  q.bind_all(customer_id, at.ms, amount_cents);
  if (!q.step()) return std::nullopt;
  return q.get_int(0);
}

Order Orders::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  Order o = load(ctx_, id);
  detail::require_customer(ctx_, o.customer_id, "read the orders of");
  return o;
}

void Orders::remove(std::int64_t id) {
  db::Transaction tx(ctx_.db());
  Order o = load(ctx_, id);
  detail::require_customer(ctx_, o.customer_id, "delete an order of");
  ctx_.db().prepare("DELETE FROM orders WHERE id = ?").bind_all(id).exec();  // refunds go with it (cascade)
  detail::facts_recompute_orders(ctx_, o.customer_id);
  events::emit(ctx_, events::ChangeKind::Deleted, "order", id, o.customer_id);
  history::record(ctx_, "order", id, "deleted", money(to_cents(o.amount, "amount")), std::nullopt);
  tx.commit();
}

Table Orders::list(std::optional<std::int64_t> customer_id, std::int64_t limit, std::int64_t offset) const {
  paging::check(limit, offset);
  db::Transaction tx(ctx_.db(), false);
  std::vector<Value> params;
  std::string where = detail::customer_scope_sql(ctx_, "o.customer_id", params);
  if (customer_id) {
    detail::require_customer(ctx_, *customer_id, "read the orders of");
    where += " AND o.customer_id = ?";
    params.emplace_back(*customer_id);
  }
  auto q = ctx_.db().prepare(
      "SELECT o.id, o.customer_id, c.name, o.amount_cents, o.at, o.refund_of, "
      "(SELECT coalesce(sum(r.amount_cents), 0) FROM orders r WHERE r.refund_of = o.id), "
      "(SELECT count(*) FROM order_items i WHERE i.order_id = o.id), o.note, o.created_at "
      "FROM orders o JOIN customers c ON c.id = o.customer_id WHERE " + where +
      " ORDER BY o.at DESC, o.id DESC LIMIT ? OFFSET ?");
  int k = detail::bind_params(q, params);
  q.bind(k, limit);
  q.bind(k + 1, offset);
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto cust = t.add_column("customer_id", ColumnType::Int);
  auto cname = t.add_column("customer", ColumnType::Text);
  auto amount = t.add_column("amount", ColumnType::Float);
  auto at = t.add_column("at", ColumnType::Time);
  auto refund_of = t.add_column("refund_of", ColumnType::Int);
  auto refunded = t.add_column("refunded", ColumnType::Float);
  auto items = t.add_column("items", ColumnType::Int);
  auto note = t.add_column("note", ColumnType::Text);
  auto created = t.add_column("created_at", ColumnType::Time);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(cust).push_int(q.get_int(1));
    t.column(cname).push_text(q.get_text(2));
    t.column(amount).push_float(from_cents(q.get_int(3)));
    t.column(at).push_int(q.get_int(4));
    t.column(refund_of).push_opt(q.get_opt_int(5));
    t.column(refunded).push_float(-from_cents(q.get_int(6)));
    t.column(items).push_int(q.get_int(7));
    t.column(note).push_opt(q.get_opt_text(8));
    t.column(created).push_int(q.get_int(9));
  }
  return t;
}

}  // namespace crmkit::relationship
