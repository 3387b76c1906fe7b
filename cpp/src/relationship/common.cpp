#include <algorithm>
#include <cmath>

#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"
#include "crmkit/customers/lookup.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/events/emit.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship::detail {

std::string describe(const Context& ctx) {
  const auto& who = *ctx.who;
  return "user '" + who.login + "' (role " + who.role + ", customers scope " +
         org::scope_name(who.scope("customers")) + ")";
}

std::string row_prefix(std::optional<std::int64_t> row) { return row ? "row " + std::to_string(*row) + ": " : ""; }

namespace {

// The errors of require_customer, shared with BatchChecks so that both say exactly the same.
std::optional<std::int64_t> check_customer(const Context& ctx, std::int64_t customer_id, bool exists,
                                           std::optional<std::int64_t> owner, const std::string& action,
                                           std::optional<std::int64_t> row) {
  if (!exists) throw NotFound(row_prefix(row) + "customer " + std::to_string(customer_id) + " does not exist");
  if (!ctx.who->covers("customers", owner))
    throw PermissionDenied(row_prefix(row) + describe(ctx) + " may not " + action + " customer " +
                           std::to_string(customer_id) + ", which is outside the user's scope");
  return owner;
}

}  // namespace

std::optional<std::int64_t> require_customer(const Context& ctx, std::int64_t customer_id, const std::string& action,
                                             std::optional<std::int64_t> row) {
  const auto owner = customers::owner_of(ctx, customer_id);
  return check_customer(ctx, customer_id, owner.has_value(), owner ? *owner : std::nullopt, action, row);
}

void require_user(const Context& ctx, std::int64_t user_id, const std::string& field, std::optional<std::int64_t> row) {
  if (!org::user_exists(ctx, user_id)) throw NotFound(row_prefix(row) + field + ": user " + std::to_string(user_id) + " does not exist");
}

std::optional<std::int64_t> resolve_author(const Context& ctx, std::optional<std::int64_t> by, const std::string& field,
                                           std::optional<std::int64_t> row) {
  if (!by) return ctx.actor();
  if (ctx.who->user_id && *by != *ctx.who->user_id && !ctx.who->is_admin)
    throw PermissionDenied(row_prefix(row) + describe(ctx) + " may not act as user " + std::to_string(*by) + " (" +
                           field + ")");
  require_user(ctx, *by, field, row);
  return by;
}

BatchChecks::BatchChecks(const Context& ctx, const std::vector<std::int64_t>& customer_ids) : ctx_(ctx) {
  if (customer_ids.empty()) return;
  std::vector<std::int64_t> ids;
  owners_.reserve(customer_ids.size());
  for (auto id : customer_ids)
    if (owners_.try_emplace(id, std::nullopt).second) ids.push_back(id);
  for (const auto& [id, owner] : customers::owners_of(ctx, ids)) owners_[id] = Owner{owner};
}

std::optional<std::int64_t> BatchChecks::require_customer(std::int64_t customer_id, const std::string& action,
                                                          std::optional<std::int64_t> row) const {
  auto it = owners_.find(customer_id);
  // A customer the batch did not announce is looked up on its own.
  if (it == owners_.end()) return detail::require_customer(ctx_, customer_id, action, row);
  return check_customer(ctx_, customer_id, it->second.has_value(), it->second ? it->second->id : std::nullopt,
                        action, row);
}

std::optional<std::int64_t> BatchChecks::resolve_author(std::optional<std::int64_t> by, const std::string& field,
                                                        std::optional<std::int64_t> row) {
  // A user that passed once passes again: the permission check depends only on `by` and the view.
  if (by && users_.count(*by)) return by;
  auto author = detail::resolve_author(ctx_, by, field, row);
  if (by) users_.insert(*by);
  return author;
}

std::string customer_scope_sql(const Context& ctx, const std::string& customer_col, std::vector<Value>& params) {
  return customers::visible_condition(ctx, customer_col, params);
}

ValidationError lifetime_value_out_of_range(std::int64_t customer_id, std::optional<std::int64_t> row) {
  return ValidationError(row_prefix(row) + "amount: the orders would take the lifetime value of customer " +
                             std::to_string(customer_id) + " beyond the range money is kept in (" +
                             "92,233,720,368,547,758.07)",
                         "amount", row);
}

std::int64_t to_cents(double amount, const std::string& field, std::optional<std::int64_t> row) {
  if (!std::isfinite(amount) || std::fabs(amount) * 100.0 > static_cast<double>(kMaxAmountCents))
    throw ValidationError(row_prefix(row) + field + ": " + std::to_string(amount) + " is not a usable amount", field, row);
  return static_cast<std::int64_t>(std::llround(amount * 100.0));
}

void check_due(const TimeZone& zone, std::int64_t now, Timestamp due, bool all_day, const std::string& field,
               std::optional<std::int64_t> row) {
  // A date is due all its local day: it is in the past once it began before today did.
  bool before = all_day ? due.ms < zone.start_of_day(now) : due.ms < now;
  if (before)
    throw ValidationError(row_prefix(row) + field + ": " +
                              (all_day ? format_date(zone.date_of(due.ms).ms) : format_timestamp(due.ms)) +
                              " is before the task is created (" + format_timestamp(now) + ")",
                          field, row);
}

std::string truncate(const std::string& s, std::size_t n) {
  std::size_t i = 0, count = 0;
  while (i < s.size() && count < n) {
    auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++count;
  }
  return s.substr(0, std::min(i, s.size()));
}

std::int64_t insert_task(const Context& ctx, const Task& t) {
  ctx.db()
      .prepare("INSERT INTO tasks(customer_id, title, kind, due_at, all_day, assignee_id, status, notes, "
               "interaction_id, plan_id, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(t.customer_id, t.title, t.kind, t.due_at.ms, t.all_day, t.assignee_id, t.status, t.notes,
                t.interaction_id, t.plan_id, t.created_by, t.created_at.ms, t.updated_at.ms)
      .exec();
  const std::int64_t id = ctx.db().last_insert_id();
  events::emit(ctx, events::ChangeKind::Created, "task", id, t.customer_id, kTaskCreatedFields);
  return id;
}

std::vector<std::int64_t> task_changes(const Context& ctx, db::Stmt& returning, events::ChangeKind kind,
                                       const std::vector<std::string>& fields) {
  std::vector<std::int64_t> ids;
  while (returning.step()) {
    ids.push_back(returning.get_int(0));
    events::emit(ctx, kind, "task", ids.back(), returning.get_int(1), fields);
  }
  return ids;
}

int bind_params(db::Stmt& q, const std::vector<Value>& params) {
  int i = 0;
  for (const auto& p : params) q.bind(++i, p);
  return i + 1;
}

// ---------------------------------------------------------------------------------------------
// customer_facts

void facts_contact_added(const Context& ctx, std::int64_t customer_id, std::int64_t count, std::int64_t last_at) {
  const Dialect& d = ctx.db().dialect();
  ctx.db()
      .prepare("UPDATE customer_facts SET interaction_count = interaction_count + ?1, last_contact_at = " +
               d.greatest("coalesce(last_contact_at, ?2)", "?2") + ", updated_at = ?3 WHERE customer_id = ?4")
      .bind_all(count, last_at, ctx.now(), customer_id)
      .exec();
}

// Adds one customer's order deltas to its facts. The lifetime value stays within 64 bits of cents:
// the UPDATE skips a row the sum would carry past (integer comparisons that cannot overflow
// themselves), and a skipped existing row is refused, so the caller's transaction takes the
// orders back. Left to itself, SQLite turns an overflowing integer sum into a float.
void facts_order_added(const Context& ctx, std::int64_t customer_id, std::int64_t positive_count, std::int64_t cents,
                       std::optional<std::int64_t> first_at, std::optional<std::int64_t> last_at) {
  const Dialect& d = ctx.db().dialect();
  const int changed =
      ctx.db()
          .prepare("UPDATE customer_facts SET order_count = order_count + ?1, lifetime_value_cents = lifetime_value_cents + ?2, "
                   "first_order_at = CASE WHEN ?3 IS NULL THEN first_order_at ELSE " +
                   d.least("coalesce(first_order_at, ?3)", "?3") + " END, last_order_at = CASE WHEN ?4 IS NULL THEN last_order_at ELSE " +
                   d.greatest("coalesce(last_order_at, ?4)", "?4") + " END, updated_at = ?5 WHERE customer_id = ?6 AND "
                   "(?2 <= 0 OR lifetime_value_cents <= 9223372036854775807 - ?2) AND "
                   "(?2 >= 0 OR lifetime_value_cents >= -9223372036854775807 - ?2)")
          .bind_all(positive_count, cents, first_at, last_at, ctx.now(), customer_id)
          .exec();
  if (changed == 0) {
    auto q = ctx.db().prepare("SELECT 1 FROM customer_facts WHERE customer_id = ?");
    q.bind_all(customer_id);
    if (q.step()) throw lifetime_value_out_of_range(customer_id, std::nullopt);
  }
}

void facts_tickets_changed(const Context& ctx, std::int64_t customer_id, std::int64_t open_delta,
                           std::int64_t satisfaction_sum_delta, std::int64_t satisfaction_count_delta) {
  ctx.db()
      .prepare("UPDATE customer_facts SET open_tickets = open_tickets + ?, satisfaction_sum = satisfaction_sum + ?, "
               "satisfaction_count = satisfaction_count + ?, updated_at = ? WHERE customer_id = ?")
      .bind_all(open_delta, satisfaction_sum_delta, satisfaction_count_delta, ctx.now(), customer_id)
      .exec();
}

// A batch applies its sums once per customer, ascending, through the same prepared statement as
// a single write: one primary-key seek and one row rewrite each. (A temporary table of deltas
// joined in one UPDATE paid off only while a change-log trigger fired per statement; with the
// change feed recording in memory it cost a temporary-table insert and a second seek per customer.)
void facts_contacts_added(const Context& ctx, const std::map<std::int64_t, ContactDelta>& per_customer) {
  for (const auto& [customer, d] : per_customer) facts_contact_added(ctx, customer, d.count, d.last_at);
}

void facts_orders_added(const Context& ctx, const std::map<std::int64_t, OrderDelta>& per_customer) {
  for (const auto& [customer, d] : per_customer)
    facts_order_added(ctx, customer, d.positive_count, d.cents, d.first_at, d.last_at);
}

void facts_recompute_contacts(const Context& ctx, std::int64_t customer_id) {
  ctx.db()
      .prepare("UPDATE customer_facts SET (interaction_count, last_contact_at) = "
               "(SELECT count(*), max(at) FROM interactions WHERE customer_id = ?1), updated_at = ?2 "
               "WHERE customer_id = ?1")
      .bind_all(customer_id, ctx.now())
      .exec();
}

void facts_recompute_orders(const Context& ctx, std::int64_t customer_id) {
  ctx.db()
      .prepare("UPDATE customer_facts SET (order_count, lifetime_value_cents, first_order_at, last_order_at) = "
               "(SELECT count(*) FILTER (WHERE amount_cents >= 0), coalesce(sum(amount_cents), 0), "
               "min(at) FILTER (WHERE amount_cents >= 0), max(at) FILTER (WHERE amount_cents >= 0) "
               "FROM orders WHERE customer_id = ?1), updated_at = ?2 WHERE customer_id = ?1")
      .bind_all(customer_id, ctx.now())
      .exec();
}

void facts_recompute_tickets(const Context& ctx, std::int64_t customer_id) {
  ctx.db()
      .prepare("UPDATE customer_facts SET (open_tickets, satisfaction_sum, satisfaction_count) = "
               "(SELECT count(*) FILTER (WHERE status = 'open'), coalesce(sum(satisfaction), 0), count(satisfaction) "
               "FROM tickets WHERE customer_id = ?1), updated_at = ?2 WHERE customer_id = ?1")
      .bind_all(customer_id, ctx.now())
      .exec();
}

}  // namespace crmkit::relationship::detail
