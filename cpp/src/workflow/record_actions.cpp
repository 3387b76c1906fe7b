// What a request does to its record: the lock while a step is pending, and the on_approve /
// on_reject actions. The record's own domain does the writing (customers, pipeline), so history,
// stage history, facts and the change observer follow as for a user's change.
#include <algorithm>

#include "crmkit/customers/customers.hpp"
#include "crmkit/error.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/customers/locks.hpp"
#include "engine_internal.h"
#include "crmkit/pipeline/engine_side.hpp"

namespace crmkit::workflow::internal {

void lock_record(const Context& ctx, const std::string& entity, std::int64_t id, std::int64_t request,
                 const std::string& step) {
  if (entity == "customer")
    customers::set_approval_lock(ctx, id, request, step);
  else
    pipeline::engine_side::set_lock(ctx, entity, id, request);
}

void unlock_record(const Context& ctx, const std::string& entity, std::int64_t id) {
  if (entity == "customer")
    customers::set_approval_lock(ctx, id, std::nullopt, std::nullopt);
  else
    pipeline::engine_side::set_lock(ctx, entity, id, std::nullopt);
}

void apply_action(const Context& ctx, const EntityInfo& info, std::int64_t entity_id, const Action& a,
                  const std::string& reason, const std::string& workflow) {
  if (a.empty()) return;
  Context wide = pipeline::engine_side::elevated(ctx);
  // The changes this action makes must not start the same workflow again: the request that just
  // decided covered them (a resubmitted initiation approved from 初步接洽 would otherwise re-lock
  // the deal on entering 需求确认). The workflow to leave out travels with the observer.
  pipeline::ChangeObserver observer = [&workflow](const Context& c, const pipeline::RecordChange& change) {
    on_change(c, change, &workflow);
  };
  if (info.entity == "customer") {
    customers::Customers svc(wide);
    if (a.stage) svc.set_stage(entity_id, *a.stage, reason);
    if (!a.set.empty()) {
      customers::CustomerInput in;
      auto defs = schema::Fields(ctx).of("customer");
      for (const auto& [k, v] : a.set) (defs.find(k) ? in.fields : in.attrs)[k] = v;
      svc.update(entity_id, in);
    }
    return;
  }
  std::int64_t opp_id = entity_id;
  if (info.is_document) {
    auto d = pipeline::engine_side::load_document(ctx, entity_id);
    if (!d) throw NotFound(info.entity + " " + std::to_string(entity_id) + " does not exist");
    opp_id = d->opportunity_id;
    if (!a.set.empty()) {
      pipeline::DocumentInput in;
      for (const auto& [k, v] : a.set) {
        if (k == "title" || k == "amount" || k == "discount")
          in.attrs[k] = v;
        else
          in.fields[k] = v;
      }
      pipeline::engine_side::engine_update_document(wide, entity_id, in, reason, observer);
    }
  } else if (!a.set.empty()) {
    pipeline::OpportunityInput in;
    auto defs = schema::Fields(ctx).of("opportunity");
    for (const auto& [k, v] : a.set) (defs.find(k) ? in.fields : in.attrs)[k] = v;
    pipeline::engine_side::engine_update(wide, opp_id, in, reason, observer);
  }
  if (a.stage) {
    pipeline::engine_side::engine_move_stage(wide, opp_id, *a.stage, reason, observer);
  } else if (a.advance) {
    auto opp = pipeline::engine_side::load_opportunity(ctx, opp_id);
    if (!opp) throw NotFound("opportunity " + std::to_string(opp_id) + " does not exist");
    auto stages = schema::Stages(ctx, "pipeline").names();
    auto it = std::find(stages.begin(), stages.end(), opp->stage);
    if (it != stages.end() && it + 1 != stages.end())
      pipeline::engine_side::engine_move_stage(wide, opp_id, *(it + 1), reason, observer);
  }
}

}  // namespace crmkit::workflow::internal
