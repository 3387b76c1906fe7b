// crmkit/relationship/pool.hpp — the public pool (公海) and its rules.
//
// A customer without an owner is in the pool. Reps claim customers from it (within a cap on how
// many they hold, a daily quota, and a cool-down that keeps a previous owner from taking back a
// customer just returned), owners release customers into it, and `reclaim_idle()` returns owned
// customers that went without an interaction for `idle_days`, or without an order or won
// opportunity for `no_deal_days`, counted from the later of that event and the moment the owner
// got the customer (the customer's last owner change in history, else its creation). With
// `exempt_won`, customers with any order or won opportunity are never reclaimed. `warn_days`
// before a reclaim the owner gets one reminder task. The rules are data (one row, `set_rules`);
// 0 disables a rule. Every move is a history row of field owner_id with its reason.
// reclaim_idle is set-based: one scan into a temporary table, then one UPDATE of customers and one
// INSERT ... SELECT into history, whatever the number of customers.
// Scoped views: the pool itself is public (list, claim for oneself); a rep cannot take a customer
// owned by someone else. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

struct PoolRules {
  std::int64_t idle_days = 30;
  std::int64_t no_deal_days = 90;
  std::int64_t warn_days = 3;
  std::int64_t max_held_per_user = 200;
  std::int64_t max_claims_per_day = 20;
  std::int64_t reclaim_cooldown_days = 7;
  bool exempt_won = true;
};

// A partial update of the rules: only the members that are set change.
struct PoolRulesPatch {
  std::optional<std::int64_t> idle_days = std::nullopt;
  std::optional<std::int64_t> no_deal_days = std::nullopt;
  std::optional<std::int64_t> warn_days = std::nullopt;
  std::optional<std::int64_t> max_held_per_user = std::nullopt;
  std::optional<std::int64_t> max_claims_per_day = std::nullopt;
  std::optional<std::int64_t> reclaim_cooldown_days = std::nullopt;
  std::optional<bool> exempt_won = std::nullopt;
};

class Pool {
 public:
  explicit Pool(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }

  // Puts an owned customer in scope back into the pool. Throws Conflict if already in the pool.
  void release(std::int64_t customer_id, const std::optional<std::string>& reason = std::nullopt);
  // Gives a pool customer to `by` (default: the acting user). Throws Conflict (already owned),
  // ValidationError naming the rule (max_held_per_user, max_claims_per_day,
  // reclaim_cooldown_days), PermissionDenied (claiming for a user outside the view's scope).
  void claim(std::int64_t customer_id, std::optional<std::int64_t> by = std::nullopt);
  // Pool customers by id. Columns: id, name, industry, source, stage, last_owner_id, released_at,
  // last_contact_at, lifetime_value.
  Table list(std::int64_t limit = -1, std::int64_t offset = 0) const;
  PoolRules rules() const;
  // Needs the admin role. Throws ValidationError naming a negative rule.
  PoolRules set_rules(const PoolRulesPatch& patch);
  // Who reclaim_idle() would return to the pool at `at` (default: now), and why. Writes nothing.
  // Columns: customer_id, name, owner_id, reason ("idle" | "no_deal"), last_contact_at,
  // last_order_at, owned_since, due_at (when the rule trips). Ordered by customer_id.
  Table preview(std::optional<Timestamp> at = std::nullopt) const;
  // Applies the rules now: reclaims what is due (ids returned, ascending) and creates the reminder
  // tasks of customers due within warn_days. Needs the admin role.
  std::vector<std::int64_t> reclaim_idle();

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
