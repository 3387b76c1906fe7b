#include "crmkit/relationship/pool.hpp"

#include "crmkit/customers/hooks.hpp"
#include "crmkit/customers/lookup.hpp"
#include "crmkit/customers/ownership.hpp"
#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/org/lookup.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

const std::string kDay = std::to_string(kMillisPerDay);

PoolRules load_rules(const Context& ctx) {
  auto q = ctx.db().prepare(
      "SELECT idle_days, no_deal_days, warn_days, max_held_per_user, max_claims_per_day, reclaim_cooldown_days, "
      "exempt_won FROM pool_rules WHERE id = 1");
  PoolRules r;
  if (!q.step()) return r;
  r.idle_days = q.get_int(0);
  r.no_deal_days = q.get_int(1);
  r.warn_days = q.get_int(2);
  r.max_held_per_user = q.get_int(3);
  r.max_claims_per_day = q.get_int(4);
  r.reclaim_cooldown_days = q.get_int(5);
  r.exempt_won = q.get_int(6) != 0;
  return r;
}

std::string user_label(const Context& ctx, std::int64_t id) {
  auto login = org::login_of(ctx, id);
  return login ? "user '" + *login + "'" : "user " + std::to_string(id);
}

void move_owner(const Context& ctx, std::int64_t customer, std::optional<std::int64_t> from,
                std::optional<std::int64_t> to, const std::string& reason) {
  customers::set_owner(ctx, customer, to, to ? "be claimed" : "be released to the pool");
  events::customer(ctx, events::ChangeKind::Updated, customer, {"owner_id"});
  history::record(ctx, "customer", customer, "owner_id", from ? std::optional(std::to_string(*from)) : std::nullopt,
                  to ? std::optional(std::to_string(*to)) : std::nullopt, reason);
}

void cancel_warnings(const Context& ctx, std::int64_t customer) {
  auto cancelled = ctx.db().prepare(
      "UPDATE tasks SET status = 'cancelled', closed_at = ?1, updated_at = ?1, version = version + 1 "
      "WHERE customer_id = ?2 AND kind = 'pool_warning' AND status = 'open' RETURNING id, customer_id");
  cancelled.bind_all(ctx.now(), customer);
  detail::task_changes(ctx, cancelled, events::ChangeKind::Updated, {"closed_at", "status"});
}

// The latest change of a customer's owner: (old, new, at), if any.
struct OwnerChange {
  std::optional<std::string> old_value, new_value;
  std::int64_t at = 0;
};
std::optional<OwnerChange> last_owner_change(const Context& ctx, std::int64_t customer) {
  auto q = ctx.db().prepare(
      "SELECT h.old_value, h.new_value, h.at FROM history h WHERE h.entity = 'customer' AND h.field = 'owner_id' "
      "AND h.entity_id = ? ORDER BY h.at DESC, h.id DESC LIMIT 1");
  q.bind_all(customer);
  if (!q.step()) return std::nullopt;
  return OwnerChange{q.get_opt_text(0), q.get_opt_text(1), q.get_int(2)};
}

// The customers whose reclaim date (the earlier of the idle and no-deal rules) is at or before
// `horizon`, with why. Columns: customer_id, name, owner_id, reason, last_contact_at,
// last_order_at, owned_since, due_at. The idle clock starts at the later of the last contact and
// the owner's arrival (the last owner change in history, else the creation).
// The owners' arrivals (and the won deals) are each one grouped pass joined to the customers, not a
// lookup per customer: the scan is one flat query whose expressions read plain columns. The owner
// changes are read through their partial index, which holds nothing else; left to itself SQLite
// prefers the (entity, entity_id, id) index and reads every history row of every customer (with a
// million customer history rows of other fields, 0.5 s instead of 0.04 s at 100,000 customers).
// A customer locked by a pending approval keeps its owner (the lock forbids every edit) and is
// neither due nor warned about; the first run after its request ends catches up.
std::string candidates_sql(const Context& ctx, const PoolRules& r, std::int64_t horizon, std::vector<Value>& params) {
  // Won deals are kept by the pipeline, which installs their SELECT (customers/hooks.hpp).
  const std::string& won = customers::won_deals_sql(ctx);
  std::string won_at = "NULL", won_join;
  std::string exempt;
  if (r.exempt_won) {
    exempt = " AND f.order_count = 0";
    // One list of the customers with a won deal rather than one lookup per customer; the list
    // holds no NULLs, so NOT IN means what NOT EXISTS would.
    if (!won.empty()) exempt += " AND c.id NOT IN (SELECT wd.customer_id FROM (" + won + ") wd)";
  } else if (!won.empty()) {
    won_join = " LEFT JOIN (SELECT wd.customer_id, max(wd.won_at) AS at FROM (" + won +
               ") wd GROUP BY wd.customer_id) w ON w.customer_id = c.id";
    won_at = "w.at";
  }
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  const Dialect& d = ctx.db().dialect();
  const std::string owned_since = "coalesce(oh.at, c.created_at)";
  std::string idle = r.idle_days > 0 ? "(" + d.greatest("coalesce(f.last_contact_at, 0)", owned_since) + " + " +
                                           std::to_string(r.idle_days) + " * " + kDay + ")"
                                     : "NULL";
  std::string deal =
      r.no_deal_days > 0
          ? "(" + d.greatest(d.greatest("coalesce(f.last_order_at, 0)", "coalesce(" + won_at + ", 0)"), owned_since) +
                " + " + std::to_string(r.no_deal_days) + " * " + kDay + ")"
          : "NULL";
  std::string due = "coalesce(" + d.least(idle, deal) + ", " + idle + ", " + deal + ")";
  // "due <= horizon" as the filter: the earlier of the two dates is due when either is, and a date
  // max(a, b) + n days is due when each of a and b is at or before horizon - n days. Plain
  // comparisons with a bound cut-off, most failing on the first (a recent contact), where the due
  // expression is a dozen function calls per customer.
  std::string idle_by = r.idle_days > 0 ? "(coalesce(f.last_contact_at, 0) <= ? AND " + owned_since + " <= ?)" : "0";
  std::string deal_by = r.no_deal_days > 0 ? "(coalesce(f.last_order_at, 0) <= ? AND coalesce(" + won_at + ", 0) <= ? AND " +
                                                 owned_since + " <= ?)"
                                           : "0";
  std::string sql =
      "SELECT c.id AS customer_id, c.name, c.owner_id, CASE WHEN " + deal + " IS NULL OR (" + idle +
      " IS NOT NULL AND " + idle + " <= " + deal + ") THEN 'idle' ELSE 'no_deal' END AS reason, f.last_contact_at, "
      "f.last_order_at, " + owned_since + " AS owned_since, " + due + " AS due_at FROM customers c JOIN customer_facts f ON f.customer_id = c.id "
      "LEFT JOIN (SELECT h.entity_id, max(h.at) AS at FROM history h" + d.index_hint("history_owner") + " WHERE h.entity = "
      "'customer' AND h.field = 'owner_id' GROUP BY h.entity_id) oh ON oh.entity_id = c.id" + won_join +
      " WHERE c.owner_id IS NOT NULL AND c.locked_by_request IS NULL AND " + scope.sql + exempt + " AND (" + idle_by +
      " OR " + deal_by + ")";
  for (auto id : scope.params) params.emplace_back(id);
  if (r.idle_days > 0)
    for (int i = 0; i < 2; ++i) params.emplace_back(horizon - r.idle_days * kMillisPerDay);
  if (r.no_deal_days > 0)
    for (int i = 0; i < 3; ++i) params.emplace_back(horizon - r.no_deal_days * kMillisPerDay);
  return sql;
}

std::string reason_text(const PoolRules& r, const std::string& reason) {
  return reason == "idle" ? "pool: no interaction for " + std::to_string(r.idle_days) + " days"
                          : "pool: no order or won deal for " + std::to_string(r.no_deal_days) + " days";
}

void check_rule(const std::optional<std::int64_t>& v, const char* name) {
  if (v && *v < 0) throw ValidationError(std::string(name) + " must not be negative (0 disables the rule)", name);
  if (v && *v > 100000) throw ValidationError(std::string(name) + ": " + std::to_string(*v) + " is too large", name);
}

}  // namespace

void Pool::release(std::int64_t customer_id, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  std::optional<std::string> why;
  if (reason) why = text::clean(*reason, "reason", text::kMaxLong, false);
  const auto holder = customers::owner_of(ctx_, customer_id);
  if (!holder) throw NotFound("customer " + std::to_string(customer_id) + " does not exist");
  const auto owner = *holder;
  if (!owner) throw Conflict("customer " + std::to_string(customer_id) + " is already in the pool");
  detail::require_customer(ctx_, customer_id, "release");
  move_owner(ctx_, customer_id, owner, std::nullopt, "pool: released" + (why ? ": " + *why : std::string()));
  cancel_warnings(ctx_, customer_id);
  tx.commit();
  log::logger().debug("pool.release customer={}", customer_id);
}

void Pool::claim(std::int64_t customer_id, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  const std::int64_t now = ctx_.now();
  std::optional<std::int64_t> user = by ? by : ctx_.actor();
  if (!user) throw ValidationError("by: say which user claims the customer", "by");
  detail::require_user(ctx_, *user, "by");
  if (!ctx_.who->is_system() && *user != *ctx_.who->user_id && !ctx_.who->covers("customers", *user))
    throw PermissionDenied(detail::describe(ctx_) + " may not claim customers for " + user_label(ctx_, *user));
  const auto holder = customers::owner_of(ctx_, customer_id);
  if (!holder) throw NotFound("customer " + std::to_string(customer_id) + " does not exist");
  const auto owner = *holder;
  if (owner)
    throw Conflict("customer " + std::to_string(customer_id) + " is already owned by " +
                   (*owner == *user ? std::string("that user") : user_label(ctx_, *owner)) +
                   "; only customers in the pool can be claimed");
  PoolRules r = load_rules(ctx_);
  if (r.reclaim_cooldown_days > 0) {
    auto last = last_owner_change(ctx_, customer_id);
    std::int64_t until = last ? last->at + r.reclaim_cooldown_days * kMillisPerDay : 0;
    if (last && !last->new_value && last->old_value == std::to_string(*user) && now < until)
      throw ValidationError("reclaim_cooldown_days: customer " + std::to_string(customer_id) + " left " +
                                user_label(ctx_, *user) + " on " + format_timestamp(last->at) + "; the previous owner may "
                                "claim it again from " + format_timestamp(until),
                            "reclaim_cooldown_days");
  }
  if (r.max_held_per_user > 0) {
    const std::int64_t held = customers::count_owned_by(ctx_, *user);
    if (held >= r.max_held_per_user)
      throw ValidationError("max_held_per_user: " + user_label(ctx_, *user) + " already holds " +
                                std::to_string(held) + " customers (the cap is " +
                                std::to_string(r.max_held_per_user) + ")",
                            "max_held_per_user");
  }
  if (r.max_claims_per_day > 0) {
    auto c = ctx_.db().prepare("SELECT count(*) FROM pool_claims WHERE user_id = ? AND at >= ?");
    c.bind_all(*user, ctx_.zone().start_of_day(now));  // today in the database's time zone
    c.step();
    if (c.get_int(0) >= r.max_claims_per_day)
      throw ValidationError("max_claims_per_day: " + user_label(ctx_, *user) + " has claimed " +
                                std::to_string(c.get_int(0)) + " customers today (the quota is " +
                                std::to_string(r.max_claims_per_day) + ")",
                            "max_claims_per_day");
  }
  move_owner(ctx_, customer_id, std::nullopt, user, "pool: claimed");
  ctx_.db().prepare("INSERT INTO pool_claims(customer_id, user_id, at) VALUES (?,?,?)").bind_all(customer_id, *user, now).exec();
  tx.commit();
  log::logger().debug("pool.claim customer={} user={}", customer_id, *user);
}

Table Pool::list(std::int64_t limit, std::int64_t offset) const {
  paging::check(limit, offset);
  db::Transaction tx(ctx_.db(), false);
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto name = t.add_column("name", ColumnType::Text);
  auto industry = t.add_column("industry", ColumnType::Text);
  auto source = t.add_column("source", ColumnType::Text);
  auto stage = t.add_column("stage", ColumnType::Text);
  auto last_owner = t.add_column("last_owner_id", ColumnType::Int);
  auto released = t.add_column("released_at", ColumnType::Time);
  auto contact = t.add_column("last_contact_at", ColumnType::Time);
  auto ltv = t.add_column("lifetime_value", ColumnType::Float);
  // The pool is public to every view that may see customers at all.
  if (ctx_.who->scope("customers") == org::Scope::None) return t;
  auto q = ctx_.db().prepare(
      "SELECT c.id, c.name, c.industry, c.source, c.stage, h.old_value, h.at, f.last_contact_at, "
      "f.lifetime_value_cents FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id "
      "LEFT JOIN history h ON h.id = (SELECT h2.id FROM history h2 WHERE h2.entity = 'customer' AND h2.field = "
      "'owner_id' AND h2.entity_id = c.id ORDER BY h2.at DESC, h2.id DESC LIMIT 1) "
      "WHERE c.owner_id IS NULL ORDER BY c.id LIMIT ? OFFSET ?");
  q.bind_all(limit, offset);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(name).push_text(q.get_text(1));
    t.column(industry).push_opt(q.get_opt_text(2));
    t.column(source).push_opt(q.get_opt_text(3));
    t.column(stage).push_text(q.get_text(4));
    auto prev = q.get_opt_text(5);
    if (prev && !prev->empty())
      t.column(last_owner).push_int(std::stoll(*prev));
    else
      t.column(last_owner).push_null();
    t.column(released).push_opt(prev ? q.get_opt_int(6) : std::nullopt);
    t.column(contact).push_opt(q.get_opt_int(7));
    t.column(ltv).push_float(detail::from_cents(q.is_null(8) ? 0 : q.get_int(8)));
  }
  return t;
}

PoolRules Pool::rules() const {
  db::Transaction tx(ctx_.db(), false);
  return load_rules(ctx_);
}

PoolRules Pool::set_rules(const PoolRulesPatch& p) {
  ctx_.require_admin("change the pool rules");
  check_rule(p.idle_days, "idle_days");
  check_rule(p.no_deal_days, "no_deal_days");
  check_rule(p.warn_days, "warn_days");
  check_rule(p.max_held_per_user, "max_held_per_user");
  check_rule(p.max_claims_per_day, "max_claims_per_day");
  check_rule(p.reclaim_cooldown_days, "reclaim_cooldown_days");
  db::Transaction tx(ctx_.db());
  PoolRules before = load_rules(ctx_);
  PoolRules r = before;
  auto apply = [&](const std::optional<std::int64_t>& v, std::int64_t& into, const char* name) {
    if (!v || *v == into) return;
    history::record(ctx_, "pool_rules", 1, name, std::to_string(into), std::to_string(*v));
    into = *v;
  };
  apply(p.idle_days, r.idle_days, "idle_days");
  apply(p.no_deal_days, r.no_deal_days, "no_deal_days");
  apply(p.warn_days, r.warn_days, "warn_days");
  apply(p.max_held_per_user, r.max_held_per_user, "max_held_per_user");
  apply(p.max_claims_per_day, r.max_claims_per_day, "max_claims_per_day");
  apply(p.reclaim_cooldown_days, r.reclaim_cooldown_days, "reclaim_cooldown_days");
  if (p.exempt_won && *p.exempt_won != r.exempt_won) {
    history::record(ctx_, "pool_rules", 1, "exempt_won", r.exempt_won ? "true" : "false", *p.exempt_won ? "true" : "false");
    r.exempt_won = *p.exempt_won;
  }
  ctx_.db()
      .prepare("UPDATE pool_rules SET idle_days = ?, no_deal_days = ?, warn_days = ?, max_held_per_user = ?, "
               "max_claims_per_day = ?, reclaim_cooldown_days = ?, exempt_won = ?, updated_at = ?, version = version + 1 "
               "WHERE id = 1")
      .bind_all(r.idle_days, r.no_deal_days, r.warn_days, r.max_held_per_user, r.max_claims_per_day,
                r.reclaim_cooldown_days, r.exempt_won, ctx_.now())
      .exec();
  tx.commit();
  return r;
}

Table Pool::preview(std::optional<Timestamp> at) const {
  db::Transaction tx(ctx_.db(), false);
  PoolRules r = load_rules(ctx_);
  std::vector<Value> params;
  std::string sql = candidates_sql(ctx_, r, at ? at->ms : ctx_.now(), params) + " ORDER BY customer_id";
  auto q = ctx_.db().prepare(sql);
  detail::bind_params(q, params);
  Table t;
  auto id = t.add_column("customer_id", ColumnType::Int);
  auto name = t.add_column("name", ColumnType::Text);
  auto owner = t.add_column("owner_id", ColumnType::Int);
  auto reason = t.add_column("reason", ColumnType::Text);
  auto contact = t.add_column("last_contact_at", ColumnType::Time);
  auto order = t.add_column("last_order_at", ColumnType::Time);
  auto since = t.add_column("owned_since", ColumnType::Time);
  auto due = t.add_column("due_at", ColumnType::Time);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(name).push_text(q.get_text(1));
    t.column(owner).push_int(q.get_int(2));
    t.column(reason).push_text(q.get_text(3));
    t.column(contact).push_opt(q.get_opt_int(4));
    t.column(order).push_opt(q.get_opt_int(5));
    t.column(since).push_int(q.get_int(6));
    t.column(due).push_int(q.get_int(7));
  }
  return t;
}

std::vector<std::int64_t> Pool::reclaim_idle() {
  ctx_.require_admin("reclaim idle customers");
  // The reclaim clears owners and copies ids it has just read from existing rows (customers, their
  // owners, the actor), so the foreign-key pass, which would double the UPDATE, has nothing to find.
  db::Sweep sweep(ctx_.db());
  db::Transaction tx(ctx_.db());
  const std::int64_t now = ctx_.now();
  PoolRules r = load_rules(ctx_);
  auto& db = ctx_.db();
  db::ScratchTable due(db, "pool_due",
                      "(customer_id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, reason TEXT NOT NULL, "
                      "due_at INTEGER NOT NULL)");
  const std::string& pool_due = due.name();
  // One scan: everything due now, and everything due within warn_days (reminders).
  std::vector<Value> params;
  std::string sql = candidates_sql(ctx_, r, now + r.warn_days * kMillisPerDay, params);
  auto fill = db.prepare("INSERT INTO " + pool_due + "(customer_id, owner_id, reason, due_at) SELECT customer_id, "
                         "owner_id, reason, due_at FROM (" + sql + ")");
  detail::bind_params(fill, params);
  fill.exec();

  history::record_each(ctx_, "customer", "owner_id",
                       "SELECT customer_id, CAST(owner_id AS TEXT), NULL, CASE reason WHEN 'idle' THEN ?1 ELSE ?2 END "
                       "FROM " + pool_due + " WHERE due_at <= ?3",
                       {Value(reason_text(r, "idle")), Value(reason_text(r, "no_deal")), Value(now)});
  customers::clear_owners(ctx_, "SELECT customer_id FROM " + pool_due + " WHERE due_at <= ?", {Value(now)});
  auto cancelled = db.prepare(
      "UPDATE tasks SET status = 'cancelled', closed_at = ?1, updated_at = ?1, version = version + 1 "
      "WHERE kind = 'pool_warning' AND status = 'open' AND customer_id IN "
      "(SELECT customer_id FROM " + pool_due + " WHERE due_at <= ?1) RETURNING id, customer_id");
  cancelled.bind_all(now);
  detail::task_changes(ctx_, cancelled, events::ChangeKind::Updated, {"closed_at", "status"});
  // Reminders that no longer apply (contacted since, another owner, rules changed) are withdrawn.
  auto withdrawn = db.prepare(
      "UPDATE tasks SET status = 'cancelled', closed_at = ?1, updated_at = ?1, version = version + 1 "
      "WHERE kind = 'pool_warning' AND status = 'open' AND NOT EXISTS (SELECT 1 FROM " + pool_due + " d "
      "WHERE d.customer_id = tasks.customer_id AND d.owner_id = tasks.assignee_id AND d.due_at > ?1) "
      "RETURNING id, customer_id");
  withdrawn.bind_all(now);
  detail::task_changes(ctx_, withdrawn, events::ChangeKind::Updated, {"closed_at", "status"});
  if (r.warn_days > 0) {
    // One reminder per owner and reclaim date; none while an earlier one is still open.
    auto reminders = db.prepare(
        "INSERT INTO tasks(customer_id, title, kind, due_at, all_day, assignee_id, status, dedupe_key, "
        "created_by, created_at, updated_at) "
        "SELECT d.customer_id, '公海回收提醒: ' || c.name, 'pool_warning', d.due_at, 0, d.owner_id, 'open', "
        "'pool:' || d.customer_id || ':' || d.owner_id || ':' || d.due_at, ?1, ?2, ?2 "
        "FROM " + pool_due + " d JOIN customers c ON c.id = d.customer_id WHERE d.due_at > ?2 AND NOT EXISTS "
        "(SELECT 1 FROM tasks t WHERE t.customer_id = d.customer_id AND t.kind = 'pool_warning' AND "
        "t.status = 'open' AND t.assignee_id = d.owner_id) ON CONFLICT DO NOTHING RETURNING id, customer_id");
    reminders.bind_all(ctx_.actor(), now);
    detail::task_changes(ctx_, reminders, events::ChangeKind::Created, detail::kTaskCreatedFields);
  }
  std::vector<std::int64_t> ids;
  auto q = db.prepare("SELECT customer_id FROM " + pool_due + " WHERE due_at <= ? ORDER BY customer_id");
  q.bind_all(now);
  while (q.step()) ids.push_back(q.get_int(0));
  q.reset();
  events::customers(ctx_, events::ChangeKind::Updated, ids, {"owner_id"});
  due.clear();
  tx.commit();
  log::logger().info("pool.reclaim_idle reclaimed={}", ids.size());
  return ids;
}

}  // namespace crmkit::relationship
