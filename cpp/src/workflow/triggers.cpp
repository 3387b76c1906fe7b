// Triggers: what a change of an opportunity or a document starts — a reapproval round of an
// approved request whose thresholds it crosses, else the first stage_enter / field_change
// workflow that applies. Runs inside the transaction of the change (pipeline/observer.hpp).
#include <cmath>

#include "crmkit/rules/evaluate.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "engine_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace {

bool crosses(const Reapprove& r, const rules::Value& before, const rules::Value& after) {
  auto num = [](const rules::Value& v) -> std::optional<double> {
    if (v.is_int()) return static_cast<double>(v.as_int());
    if (v.is_double()) return v.as_double();
    if (v.is_bool()) return v.as_bool() ? 1.0 : 0.0;
    return std::nullopt;
  };
  auto a = num(before), b = num(after);
  if (!a || !b) return !(before == after) && (r.direction == "change" && r.threshold == 0);
  double delta = *b - *a;
  if (r.direction == "increase" && delta <= 0) return false;
  if (r.direction == "decrease" && delta >= 0) return false;
  if (delta == 0) return false;
  double size = std::fabs(delta);
  if (r.percent) return *a == 0 ? true : size / std::fabs(*a) * 100.0 > r.threshold;
  return size > r.threshold;
}

rules::Value snapshot_value(const json& s) {
  if (s.is_number_integer()) return rules::Value(s.get<std::int64_t>());
  if (s.is_number()) return rules::Value(s.get<double>());
  if (s.is_string()) return rules::Value(s.get<std::string>());
  if (s.is_boolean()) return rules::Value(s.get<bool>());
  return {};
}

// A reapproval: the latest approved request of a workflow whose snapshot the edit moved across a
// reapprove_on threshold starts its next round. Returns whether one did.
bool reapprove(const Context& ctx, const EntityInfo& info, const pipeline::RecordChange& change,
               const LoadedRecord& after) {
  for (auto id : latest_approved_requests(ctx, change.entity, change.id)) {
    ReqRow req = require_request(ctx, id);
    auto def = load_definition(ctx, req.definition);
    if (def->reapprove_on.empty()) continue;
    auto snap = json::parse(req.snapshot, nullptr, false);
    for (const auto& r : def->reapprove_on) {
      auto it = change.after.find(r.field);
      if (it == change.after.end() || !snap.is_object() || !snap.contains(r.field)) continue;
      const auto& s = snap[r.field];
      if (!crosses(r, snapshot_value(s), it->second)) continue;
      req.status = RequestStatus::Pending;
      req.round += 1;
      req.ended_at.reset();
      req.snapshot = snapshot_of(*def, after).dump();
      update_request(ctx, req);
      auto e = entry(req, "reapprove");
      e.actor_id = change.actor;
      e.record = key_fields(after);
      e.detail = json{{"field", r.field}, {"approved_value", s}, {"new_value", to_json(it->second)}, {"rule", r.text}};
      append(ctx, e);
      Engine(ctx, req, def, info).run_from(0);  // locks the record at its first step
      return true;
    }
  }
  return false;
}

}  // namespace

namespace internal {

void on_change(const Context& ctx, const pipeline::RecordChange& change, const std::string* not_again) {
  auto info = entity_info(ctx, change.entity);
  if (!info) return;
  if (pending_on(ctx, change.entity, change.id)) return;
  LoadedRecord after;
  after.values = change.after;
  auto owner = after.values.find("owner");
  if (owner != after.values.end() && owner->second.is_int()) after.owner = owner->second.as_int();
  auto now = ctx.now();
  auto submitter = change.actor ? change.actor : after.owner;

  if (!change.created && reapprove(ctx, *info, change, after)) return;

  MapRecord rec_after(after);
  LoadedRecord before;
  before.values = change.before;
  MapRecord rec_before(before);
  for (const auto& c : trigger_workflows(ctx, change.entity)) {
    if (c.on == TriggerOn::StageEnter && (!change.entered_stage || c.stage != change.entered_stage)) continue;
    if (not_again && c.wf.def->name == *not_again) continue;
    if (c.on == TriggerOn::FieldChange) {
      if (!c.wf.def->trigger_when || !rules::evaluate(*c.wf.def->trigger_when, rec_after, now)) continue;
      if (!change.created && rules::evaluate(*c.wf.def->trigger_when, rec_before, now)) continue;
    }
    if (!workflow_condition(*c.wf.def, after, now).first) continue;
    std::string how = c.on == TriggerOn::StageEnter ? "stage_enter " + *change.entered_stage : "field_change";
    start_request(ctx, *info, change.id, after, c.wf, submitter, std::nullopt, how);
    return;
  }
}

}  // namespace internal

pipeline::ChangeObserver change_observer() {
  return [](const Context& ctx, const pipeline::RecordChange& change) { on_change(ctx, change, nullptr); };
}

}  // namespace crmkit::workflow
