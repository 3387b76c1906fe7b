// The customers domain's steps of a merge (crmkit/customers/merge.hpp).
#include "crmkit/customers/merge.hpp"

#include <algorithm>
#include <tuple>

#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/locks.hpp"
#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "customers_internal.h"
#include "search_internal.h"

namespace crmkit::customers {

void check_mergeable(const Context& ctx, std::int64_t keep, std::int64_t drop) {
  if (keep == drop)
    throw ValidationError("drop: customer " + std::to_string(drop) + " cannot be merged into itself", "drop");
  Customers service(ctx);
  for (auto [id, role] : {std::pair{keep, "keep"}, std::pair{drop, "drop"}}) {
    auto q = ctx.db().prepare("SELECT owner_id FROM customers WHERE id = ?");
    q.bind_all(id);
    if (!q.step()) throw NotFound(std::string(role) + ": customer " + std::to_string(id) + " does not exist");
    if (!ctx.who->covers("customers", q.get_opt_int(0)))
      throw PermissionDenied("user '" + ctx.who->login + "' may not merge customer " + std::to_string(id) +
                             ", which is outside the user's scope");
    require_unlocked(ctx, id, "be merged");
  }
}

Customer absorb(const Context& ctx, std::int64_t keep, std::int64_t drop) {
  auto& db = ctx.db();
  Customers service(ctx);
  const Customer dropped = service.get(drop);
  Customer kept = service.get(keep);
  // Contacts and their keys.
  {
    auto q = db.prepare("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id");
    q.bind_all(drop);
    std::vector<std::int64_t> moved;
    while (q.step()) moved.push_back(q.get_int(0));
    db.prepare("UPDATE contacts SET customer_id = ? WHERE customer_id = ?").bind_all(keep, drop).exec();
    db.prepare("UPDATE customer_keys SET customer_id = ? WHERE customer_id = ? AND contact_id <> 0")
        .bind_all(keep, drop)
        .exec();
    for (auto id : moved) events::emit(ctx, events::ChangeKind::Updated, "contact", id, keep, {"customer_id"});
  }
  // The dropped customer's history becomes part of the kept one's, then the merge is recorded.
  history::move(ctx, "customer", drop, keep);
  // Tags and the custom fields the kept customer has no value for.
  CustomerInput changes;
  auto tags = kept.tags;
  for (const auto& t : dropped.tags)
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  if (tags != kept.tags) changes.tags = tags;
  for (const auto& [k, v] : dropped.fields)
    if (!kept.fields.count(k) && !v.is_null()) changes.fields[k] = v;
  for (auto [attr, mine, theirs] :
       {std::tuple{"phone", &kept.phone, &dropped.phone}, std::tuple{"email", &kept.email, &dropped.email},
        std::tuple{"industry", &kept.industry, &dropped.industry}, std::tuple{"source", &kept.source, &dropped.source}})
    if (!*mine && *theirs) changes.attrs[attr] = **theirs;
  const std::string note = "merged customer " + std::to_string(drop) + " (" + dropped.name + ")";
  history::record(ctx, "customer", keep, "merged", std::nullopt, std::to_string(drop), note);
  if (!changes.attrs.empty() || !changes.fields.empty() || changes.tags) service.update(keep, changes);
  db.prepare("DELETE FROM customers WHERE id = ?").bind_all(drop).exec();
  // The kept customer's search row gains the contacts it took over (an update above refreshes
  // it only when one of its own attributes changed); the dropped one's row goes.
  search_index::remove(ctx, drop);
  search_index::refresh(ctx, keep);
  history::record(ctx, "customer", drop, "merged_into", std::nullopt, std::to_string(keep),
                  "merged into customer " + std::to_string(keep) + " (" + kept.name + ")");
  events::customer(ctx, events::ChangeKind::Deleted, drop, {"merged_into"});
  events::customer(ctx, events::ChangeKind::Updated, keep, {"merged"});
  return service.get(keep);
}

}  // namespace crmkit::customers
