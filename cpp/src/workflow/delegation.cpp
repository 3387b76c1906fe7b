// Delegation: a user lets another act in their name for a window of time. Transitive (if wang
// delegates to deputy and deputy to bob, bob acts for both) and never circular.
#include <set>

#include "crmkit/org/lookup.hpp"
#include "crmkit/error.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "engine_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace internal {

std::vector<std::int64_t> delegators_of(const Context& ctx, std::int64_t user, std::int64_t now) {
  std::vector<std::int64_t> out;
  std::vector<std::int64_t> frontier{user};
  std::set<std::int64_t> seen{user};
  while (!frontier.empty()) {
    auto u = frontier.back();
    frontier.pop_back();
    for (auto d : direct_delegators(ctx, u, now))
      if (seen.insert(d).second) {
        out.push_back(d);
        frontier.push_back(d);
      }
  }
  return out;
}

}  // namespace internal

Delegation Approvals::delegate(std::int64_t delegator, std::int64_t to, Timestamp start, Timestamp end) {
  db::Transaction tx(ctx_.db());
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != delegator)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not delegate the approvals of user " +
                           std::to_string(delegator) + " (only that user or an admin may)");
  if (delegator == to) throw ValidationError("to: a user cannot delegate to themselves", "to");
  if (!(start < end)) throw ValidationError("end: the delegation must end after it starts", "end");
  for (auto [id, field] : {std::pair{delegator, "user"}, std::pair{to, "to"}}) {
    auto card = org::user_card(ctx_, id);
    if (!card) throw NotFound(std::string(field) + ": user " + std::to_string(id) + " does not exist");
    if (!card->active) throw ValidationError(std::string(field) + ": user " + std::to_string(id) + " is deactivated", field);
  }
  // A chain delegator -> to -> ... must not lead back to the delegator in an overlapping window.
  {
    std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> frontier{{to, {delegator, to}}};
    std::set<std::int64_t> seen{to};
    while (!frontier.empty()) {
      auto [u, path] = frontier.back();
      frontier.pop_back();
      for (auto n : delegates_overlapping(ctx_, u, start.ms, end.ms)) {
        auto p = path;
        p.push_back(n);
        if (n == delegator) {
          std::string chain;
          for (auto id : p) chain += (chain.empty() ? "" : " → ") + user_login(ctx_, id);
          throw WorkflowError("this delegation would make a loop: " + chain +
                              "; a delegation chain cannot lead back to the user who delegates");
        }
        if (seen.insert(n).second) frontier.push_back({n, p});
      }
    }
  }
  Delegation d{insert_delegation(ctx_, delegator, to, start.ms, end.ms, ctx_.actor(), ctx_.now()), delegator, to,
               start, end};
  LedgerEntry e;
  e.kind = "delegate";
  e.actor_id = ctx_.actor();
  e.on_behalf_of = delegator;
  e.detail = json{{"delegation_id", d.id},
                  {"delegator", user_login(ctx_, delegator)},
                  {"delegate", user_login(ctx_, to)},
                  {"start", format_timestamp(start.ms)},
                  {"end", format_timestamp(end.ms)}};
  append(ctx_, e);
  tx.commit();
  return d;
}

void Approvals::revoke_delegation(std::int64_t delegation_id) {
  db::Transaction tx(ctx_.db());
  auto d = load_delegation(ctx_, delegation_id);
  if (!d) throw NotFound("delegation " + std::to_string(delegation_id) + " does not exist");
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != d->delegator)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not revoke delegation " + std::to_string(delegation_id));
  if (d->revoked) throw Conflict("delegation " + std::to_string(delegation_id) + " is already revoked");
  mark_revoked(ctx_, delegation_id, ctx_.now());
  LedgerEntry e;
  e.kind = "revoke_delegation";
  e.actor_id = ctx_.actor();
  e.on_behalf_of = d->delegator;
  e.detail = json{{"delegation_id", delegation_id},
                  {"delegator", user_login(ctx_, d->delegator)},
                  {"delegate", user_login(ctx_, d->delegate)}};
  append(ctx_, e);
  tx.commit();
}

Table Approvals::delegations(std::optional<std::int64_t> user) const {
  db::Transaction tx(ctx_.db(), false);
  std::optional<std::int64_t> who = user;
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) who = ctx_.who->user_id;
  return delegation_table(ctx_, who);
}

}  // namespace crmkit::workflow
