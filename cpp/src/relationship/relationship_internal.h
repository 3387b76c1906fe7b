// Shared by the relationship services: scope checks on customers, users, money, time windows,
// task creation, and the incremental maintenance of customer_facts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/error.hpp"
#include "crmkit/customers/hooks.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/table.hpp"
#include "crmkit/relationship/tasks.hpp"
#include "crmkit/value.hpp"

namespace crmkit::relationship::detail {

// The stored facts of one customer (all zero / empty if it has no facts row).
customers::CustomerFacts load_facts(const Context& ctx, std::int64_t customer_id);
// Appends the facts columns (last_contact_at, days_since_contact, interaction_count, order_count,
// lifetime_value, first_order_at, last_order_at, avg_satisfaction, open_tickets) to a table of
// customers with an `id` column, filled for its rows.
void add_fact_columns(const Context& ctx, Table& t);
// How the customers domain shows the facts on its records (installed by install()).
customers::FactsReader facts_reader();

// "user 'alice' (role sales, customers scope own)".
std::string describe(const Context& ctx);
std::string row_prefix(std::optional<std::int64_t> row);

// Loads the owner of a customer the principal may act on; throws NotFound / PermissionDenied.
std::optional<std::int64_t> require_customer(const Context& ctx, std::int64_t customer_id, const std::string& action,
                                             std::optional<std::int64_t> row = std::nullopt);
// Throws NotFound (naming `field`) unless the user exists.
void require_user(const Context& ctx, std::int64_t user_id, const std::string& field,
                  std::optional<std::int64_t> row = std::nullopt);
// The author of a write: `by`, else the acting user. A non-admin view may act only as itself.
std::optional<std::int64_t> resolve_author(const Context& ctx, std::optional<std::int64_t> by, const std::string& field,
                                           std::optional<std::int64_t> row = std::nullopt);

// The checks of require_customer and resolve_author for the rows of one bulk call. The owners of
// all the batch's customers are read by one statement up front and users already verified are
// remembered, so that a batch does not pay two lookup statements per row; every error is the one
// the per-row functions raise, at the same row, because the checks still run row by row in input
// order (nothing a bulk call writes changes a customer's owner or the set of users).
class BatchChecks {
 public:
  BatchChecks(const Context& ctx, const std::vector<std::int64_t>& customer_ids);
  std::optional<std::int64_t> require_customer(std::int64_t customer_id, const std::string& action,
                                               std::optional<std::int64_t> row) const;
  std::optional<std::int64_t> resolve_author(std::optional<std::int64_t> by, const std::string& field,
                                             std::optional<std::int64_t> row);

 private:
  struct Owner {
    std::optional<std::int64_t> id;
  };
  const Context& ctx_;
  // Every announced customer; nullopt for one that does not exist.
  std::unordered_map<std::int64_t, std::optional<Owner>> owners_;
  std::unordered_set<std::int64_t> users_;  // users known to exist
};

// A condition restricting `customer_col` to customers in the principal's scope ("1" for all).
std::string customer_scope_sql(const Context& ctx, const std::string& customer_col, std::vector<Value>& params);

// Amount in currency units → cents (half away from zero). Throws ValidationError naming `field`
// for NaN, infinities and amounts beyond ±10^13.
// The largest amount of one order or order line, in cents (10^13 currency units): money is kept
// as integer cents, and a customer's lifetime value (their sum) must stay within 64 bits.
inline constexpr std::int64_t kMaxAmountCents = 1'000'000'000'000'000;
std::int64_t to_cents(double amount, const std::string& field, std::optional<std::int64_t> row = std::nullopt);
// The error of orders that would carry a customer's lifetime value past 64 bits of cents.
ValidationError lifetime_value_out_of_range(std::int64_t customer_id, std::optional<std::int64_t> row);
inline double from_cents(std::int64_t cents) { return static_cast<double>(cents) / 100.0; }

// Throws ValidationError naming `field` when a task created at `now` would be due before then
// (for a date: before today in `zone`).
void check_due(const TimeZone& zone, std::int64_t now, Timestamp due, bool all_day, const std::string& field,
               std::optional<std::int64_t> row = std::nullopt);
// The first `n` code points of valid UTF-8 text.
std::string truncate(const std::string& s, std::size_t n);

// Inserts a task row (no checks beyond the schema's) and records it on the change feed; returns
// its id.
std::int64_t insert_task(const Context& ctx, const Task& t);
// Steps a task statement that ends in `RETURNING id, customer_id` and records each returned task
// on the change feed as `kind` with `fields`; returns the ids.
std::vector<std::int64_t> task_changes(const Context& ctx, db::Stmt& returning, events::ChangeKind kind,
                                       const std::vector<std::string>& fields);

// The fields a new task's event names.
inline const std::vector<std::string> kTaskCreatedFields = {"assignee_id", "due_at", "kind", "status", "title"};

// Binds `params` from index 1 and returns the next free index.
int bind_params(db::Stmt& q, const std::vector<Value>& params);

// ---- customer_facts maintenance (call inside the writing transaction) ----
void facts_contact_added(const Context& ctx, std::int64_t customer_id, std::int64_t count, std::int64_t last_at);
void facts_order_added(const Context& ctx, std::int64_t customer_id, std::int64_t positive_count,
                       std::int64_t cents, std::optional<std::int64_t> first_at, std::optional<std::int64_t> last_at);
void facts_tickets_changed(const Context& ctx, std::int64_t customer_id, std::int64_t open_delta,
                           std::int64_t satisfaction_sum_delta, std::int64_t satisfaction_count_delta);
// The per-customer sums of a bulk call, applied with one UPDATE for all the customers rather than
// one per customer (same values as calling the functions above once per customer).
struct ContactDelta {
  std::int64_t count = 0;
  std::int64_t last_at = 0;
};
struct OrderDelta {
  std::int64_t positive_count = 0;
  std::int64_t cents = 0;
  std::optional<std::int64_t> first_at, last_at;
};
void facts_contacts_added(const Context& ctx, const std::map<std::int64_t, ContactDelta>& per_customer);
void facts_orders_added(const Context& ctx, const std::map<std::int64_t, OrderDelta>& per_customer);
// Recomputes the interaction / order / ticket facts of one customer from scratch (after deletes).
void facts_recompute_contacts(const Context& ctx, std::int64_t customer_id);
void facts_recompute_orders(const Context& ctx, std::int64_t customer_id);
void facts_recompute_tickets(const Context& ctx, std::int64_t customer_id);

}  // namespace crmkit::relationship::detail
