// Who is asked to approve a step, and why (the routing trace).
#include <algorithm>
#include <set>

#include "crmkit/error.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/rules/evaluate.hpp"
#include "workflow_internal.h"

namespace crmkit::workflow::internal {
namespace {

using Kind = ApproverSpec::Kind;

using UserRow = org::UserCard;

class Router {
 public:
  Router(const Context& ctx, std::optional<std::int64_t> owner, std::optional<std::int64_t> submitter)
      : ctx_(ctx), owner_(owner), submitter_(submitter) {}

  const UserRow* user(std::int64_t id) {
    auto it = users_.find(id);
    if (it != users_.end()) return it->second ? &*it->second : nullptr;
    auto& slot = users_[id] = org::user_card(ctx_, id);
    return slot ? &*slot : nullptr;
  }

  std::string login(std::optional<std::int64_t> id) {
    if (!id) return "nobody";
    auto* u = user(*id);
    return u ? u->login : "user " + std::to_string(*id);
  }

  // The manager `levels` above `from`, or nullopt with a note when the chain is shorter.
  std::optional<std::int64_t> manager_of(std::int64_t from, int levels) {
    std::optional<std::int64_t> cur = from;
    std::set<std::int64_t> seen{from};
    for (int i = 0; i < levels && cur; ++i) {
      auto* u = user(*cur);
      cur = u ? u->manager_id : std::nullopt;
      if (cur && !seen.insert(*cur).second) return std::nullopt;
    }
    return cur;
  }

  void add(std::int64_t id, const std::string& reason) {
    auto* u = user(id);
    if (!u) return;
    if (submitter_ && id == *submitter_) {
      note("excluded " + u->login + " (" + reason + "): the submitter; nobody approves their own request");
      return;
    }
    if (!u->active) {
      note("skipped " + u->login + " (" + reason + "): deactivated");
      return;
    }
    if (std::any_of(out_.approvers.begin(), out_.approvers.end(), [&](const RoutedApprover& a) { return a.user_id == id; }))
      return;
    if (std::find(exclude_.begin(), exclude_.end(), id) != exclude_.end()) return;
    out_.approvers.push_back({id, u->login, u->name, reason});
  }

  void note(const std::string& n) { out_.notes.push_back(n); }

  void resolve(const ApproverSpec& a, const std::vector<std::int64_t>& current) {
    std::size_t before = out_.approvers.size();
    switch (a.kind) {
      case Kind::OwnerManager:
      case Kind::SubmitterManager: {
        auto from = a.kind == Kind::OwnerManager ? owner_ : submitter_;
        const char* who = a.kind == Kind::OwnerManager ? "owner" : "submitter";
        if (!from) {
          note(a.text + ": the record has no " + std::string(who));
          break;
        }
        auto m = manager_of(*from, a.levels);
        if (!m)
          note(a.text + ": nobody (" + login(from) + " has fewer than " + std::to_string(a.levels) +
               " managers above them)");
        else
          add(*m, a.text + ": " + (a.levels == 1 ? "manager" : "manager^" + std::to_string(a.levels)) + " of " +
                      std::string(who) + " " + login(from));
        break;
      }
      case Kind::ApproverManager:
        for (auto c : current) {
          auto m = manager_of(c, a.levels);
          if (m)
            add(*m, a.text + ": manager of approver " + login(c));
          else
            note(a.text + ": approver " + login(c) + " has no manager");
        }
        break;
      case Kind::Role: {
        for (auto id : org::active_user_ids_with_role(ctx_, a.role)) add(id, "role " + a.role);
        break;
      }
      case Kind::TeamLead: {
        if (!a.team_id) break;
        auto team = org::team_card(ctx_, *a.team_id);
        if (team && team->lead_id) {
          add(*team->lead_id, "team_lead of " + team->name);
        } else {
          note(a.text + ": the team has no lead");
        }
        break;
      }
      case Kind::Users:
        for (auto id : a.users) add(id, "listed in " + a.text);
        break;
      default: break;
    }
    if (out_.approvers.size() == before && a.kind != Kind::ApproverManager)
      note(a.text + " resolved to nobody");
  }

  // Tops up the set to `need` approvers: the next managers up the owner's chain, then admins.
  void fallback(std::size_t need, const std::string& why, bool managers = true) {
    if (out_.approvers.size() >= need) return;
    auto start = owner_ ? owner_ : submitter_;
    if (start && managers) {
      std::optional<std::int64_t> cur = start;
      std::set<std::int64_t> seen{*start};
      int level = 0;
      while (out_.approvers.size() < need) {
        auto* u = user(*cur);
        cur = u ? u->manager_id : std::nullopt;
        if (!cur || !seen.insert(*cur).second) break;
        ++level;
        bool taken = std::any_of(out_.approvers.begin(), out_.approvers.end(),
                                 [&](const RoutedApprover& a) { return a.user_id == *cur; });
        if (taken || (submitter_ && *cur == *submitter_)) continue;
        auto* m = user(*cur);
        if (!m || !m->active) continue;
        std::size_t n = out_.approvers.size();
        add(*cur, "fallback: next manager up (level " + std::to_string(level) + " above " + login(start) + ") because " +
                      why);
        if (out_.approvers.size() > n) note("fallback to " + login(cur) + ", the next manager up, because " + why);
      }
    }
    if (out_.approvers.size() < need) {
      for (auto id : org::active_admin_ids(ctx_)) {
        if (out_.approvers.size() >= need) break;
        std::size_t n = out_.approvers.size();
        add(id, "fallback: admin, because " + why);
        if (out_.approvers.size() > n) note("fallback to admin " + login(id) + " because " + why);
      }
    }
  }

  Routed& out() { return out_; }
  void exclude(const std::vector<std::int64_t>& ids) { exclude_ = ids; }

 private:
  const Context& ctx_;
  std::optional<std::int64_t> owner_, submitter_;
  std::map<std::int64_t, std::optional<UserRow>> users_;
  std::vector<std::int64_t> exclude_;
  Routed out_;
};

std::string failing_clauses(const rules::Rule& rule, const LoadedRecord& r, std::int64_t now) {
  MapRecord rec(r);
  auto clauses = rules::explain(rule, rec, now);
  std::string s;
  for (const auto& c : clauses) {
    if (c.result || c.value.empty()) continue;
    s += (s.empty() ? "" : "; ") + c.clause + " is false for " + c.value;
  }
  return s;
}

}  // namespace

std::string user_login(const Context& ctx, std::int64_t id) {
  auto login = org::login_of(ctx, id);
  return login ? *login : "user " + std::to_string(id);
}

Routed route_step(const Context& ctx, const Step& step, std::optional<std::int64_t> owner,
                  std::optional<std::int64_t> submitter, std::int64_t) {
  Router r(ctx, owner, submitter);
  for (const auto& a : step.approvers) r.resolve(a, {});
  std::size_t need = step.mode == StepMode::Quorum ? static_cast<std::size_t>(step.quorum) : 1;
  if (r.out().approvers.size() < need) {
    std::string why = r.out().approvers.empty()
                          ? "the step's approvers resolved to nobody"
                          : "only " + std::to_string(r.out().approvers.size()) + " approvers for quorum " +
                                std::to_string(step.quorum);
    r.fallback(need, why);
  }
  if (r.out().approvers.size() < need) {
    std::string notes;
    for (const auto& n : r.out().notes) notes += "; " + n;
    throw WorkflowError("step '" + step.name + "': nobody can approve (" + std::to_string(r.out().approvers.size()) +
                        " of " + std::to_string(need) + " approvers found, no manager or admin left" + notes +
                        "); add approvers or an admin");
  }
  return r.out();
}

Routed route_escalation(const Context& ctx, const Step& step, std::optional<std::int64_t> owner,
                        std::optional<std::int64_t> submitter, const std::vector<std::int64_t>& current) {
  Router r(ctx, owner, submitter);
  r.exclude(current);
  for (const auto& a : step.escalate_to) r.resolve(a, current);
  // Above the current approvers there is nobody (else approver.manager had found them): an admin.
  if (r.out().approvers.empty()) r.fallback(1, "the escalation target resolved to nobody", false);
  return r.out();
}

std::pair<bool, std::string> step_condition(const Step& step, const LoadedRecord& r, std::int64_t now) {
  if (!step.when) return {true, "no condition"};
  MapRecord rec(r);
  if (rules::evaluate(*step.when, rec, now)) return {true, "condition holds: " + step.when->text()};
  auto why = failing_clauses(*step.when, r, now);
  return {false, "condition is false: " + step.when->text() + (why.empty() ? "" : " (" + why + ")")};
}

std::pair<bool, std::string> workflow_condition(const Definition& def, const LoadedRecord& r, std::int64_t now) {
  if (!def.when) return {true, "the workflow has no condition"};
  MapRecord rec(r);
  if (rules::evaluate(*def.when, rec, now)) return {true, "condition holds: " + def.when->text()};
  auto why = failing_clauses(*def.when, r, now);
  return {false, "the workflow's condition is false: " + def.when->text() + (why.empty() ? "" : " (" + why + ")")};
}

Route simulate_route(const Context& ctx, const Definition& def, std::int64_t version, const LoadedRecord& r,
                     std::optional<std::int64_t> entity_id, std::optional<std::int64_t> submitter) {
  Route route;
  route.workflow = def.name;
  route.version = version;
  route.entity_id = entity_id;
  auto now = ctx.now();
  auto [applies, why] = workflow_condition(def, r, now);
  route.applies = applies;
  route.reason = why;
  if (!applies) return route;
  auto who = submitter ? submitter : r.owner;
  for (const auto& step : def.steps) {
    RouteStep rs;
    rs.name = step.name;
    rs.mode = std::string(to_string(step.mode));
    rs.quorum = step.mode == StepMode::Quorum ? step.quorum : (step.mode == StepMode::All ? 0 : 1);
    rs.sla_hours = step.sla_hours;
    if (step.auto_decision) rs.auto_decision = std::string(verb(*step.auto_decision));
    for (const auto& e : step.escalate_to) rs.escalate_to += (rs.escalate_to.empty() ? "" : ", ") + e.text;
    auto [runs, reason] = step_condition(step, r, now);
    rs.runs = runs;
    rs.reason = reason;
    if (runs) {
      try {
        auto routed = route_step(ctx, step, r.owner, who, now);
        rs.approvers = routed.approvers;
        rs.notes = routed.notes;
        if (step.mode == StepMode::All) rs.quorum = static_cast<int>(rs.approvers.size());
      } catch (const WorkflowError& e) {
        rs.notes.push_back(e.what());
      }
    }
    route.steps.push_back(std::move(rs));
  }
  return route;
}

}  // namespace crmkit::workflow::internal
