#include "crmkit/pipeline/opportunities.hpp"
#include "crmkit/org/org_cache.hpp"

#include <algorithm>
#include <cmath>

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/org/principal.hpp"
#include "crmkit/pipeline/catalog.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/sql.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/customers/lookup.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/customers/record_values.hpp"
#include "pipeline_internal.h"

namespace crmkit::pipeline {

// ---------------------------------------------------------------------------------------------
// Shared helpers

namespace engine_side {

Context acting(const Context& ctx, std::optional<std::int64_t> by) {
  if (!by) return ctx;
  if (ctx.who->is_system()) {
    return Context{ctx.engine, ctx.live().extension<org::OrgCache>().principal(ctx.db(), *by)};
  }
  if (*by != *ctx.who->user_id)
    throw PermissionDenied("user '" + ctx.who->login + "' may not act as user " + std::to_string(*by) +
                           "; only the system view may name another acting user (by=)");
  return ctx;
}

Context elevated(const Context& ctx) {
  if (ctx.who->is_system()) return ctx;
  auto p = *ctx.who;
  for (const auto& e : org::scoped_entities()) p.scopes[e] = org::Scope::All;
  return Context{ctx.engine, std::make_shared<const org::Principal>(std::move(p))};
}

}  // namespace engine_side

namespace internal {

std::int64_t to_cents(const Value& v, const std::string& field) {
  double x = 0;
  if (v.is<std::int64_t>())
    x = static_cast<double>(v.as<std::int64_t>());
  else if (v.is<double>())
    x = v.as<double>();
  else
    throw ValidationError(field + ": expected an amount of money (a number), got " + v.type_name(), field);
  if (!std::isfinite(x)) throw ValidationError(field + ": the amount must be a finite number", field);
  if (x < 0) throw ValidationError(field + ": the amount must not be negative", field);
  if (x > 9.0e13) throw ValidationError(field + ": the amount is too large (at most 90,000,000,000,000)", field);
  return std::llround(x * 100.0);
}

std::string cents_text(std::int64_t cents) {
  std::string s = std::to_string(cents / 100);
  std::int64_t frac = cents % 100;
  if (frac) s += (frac < 10 ? ".0" : ".") + std::to_string(frac);
  return s;
}

}  // namespace internal

namespace {

using internal::cents_text;
using internal::to_cents;

constexpr const char* kScope = "opportunities";
constexpr const char* kColumns =
    "o.id, o.customer_id, o.title, o.amount_cents, o.owner_id, o.close_date, o.stage, o.probability, o.status, "
    "o.lost_reason, o.lead_id, o.fields, o.locked_by_request, o.created_by, o.created_at, o.updated_at, "
    "o.closed_at, o.version, ";  // then the stage's probability (record_columns())
constexpr const char* kFrom = " FROM opportunities o";

// The select list of an opportunity record: its columns and its stage's probability.
const std::string& record_columns() {
  static const std::string columns = kColumns + schema::pipeline_stage_probability_sql("o.stage");
  return columns;
}

std::string describe(const org::Principal& who) {
  return "user '" + who.login + "' (role " + who.role + ", opportunities scope " +
         org::scope_name(who.scope(kScope)) + ")";
}

Opportunity read_opportunity(db::Stmt& q, const schema::FieldSet& fields) {
  Opportunity o;
  o.id = q.get_int(0);
  o.customer_id = q.get_int(1);
  o.title = q.get_text(2);
  o.amount_cents = q.get_int(3);
  o.amount = static_cast<double>(o.amount_cents) / 100.0;
  o.owner_id = q.get_opt_int(4);
  if (auto d = q.get_opt_int(5)) o.close_date = Date{*d};
  o.stage = q.get_text(6);
  o.probability_override = q.get_opt_double(7);
  o.status = q.get_text(8);
  o.lost_reason = q.get_opt_text(9);
  o.lead_id = q.get_opt_int(10);
  o.fields = fields.from_json(q.get_text(11));
  o.locked_by_request = q.get_opt_int(12);
  o.created_by = q.get_opt_int(13);
  o.created_at = Timestamp{q.get_int(14)};
  o.updated_at = Timestamp{q.get_int(15)};
  if (auto c = q.get_opt_int(16)) o.closed_at = Timestamp{*c};
  o.version = q.get_int(17);
  o.probability = o.probability_override ? *o.probability_override : q.get_opt_double(18).value_or(0.0);
  return o;
}

std::optional<Opportunity> load(const Context& ctx, std::int64_t id, const schema::FieldSet& fields) {
  auto q = ctx.db().prepare("SELECT " + record_columns() + kFrom + " WHERE o.id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return read_opportunity(q, fields);
}

Opportunity load_in_scope(const Context& ctx, std::int64_t id, const schema::FieldSet& fields, const char* action) {
  auto o = load(ctx, id, fields);
  if (!o) throw NotFound("opportunity " + std::to_string(id) + " does not exist");
  if (!ctx.who->covers(kScope, o->owner_id))
    throw PermissionDenied(describe(*ctx.who) + " may not " + action + " opportunity " + std::to_string(id) +
                           ", which is outside the user's scope");
  return *o;
}

void require_unlocked(const Context& ctx, const Opportunity& o, const char* action) {
  if (!o.locked_by_request) return;
  const auto name = pending_step(ctx, *o.locked_by_request);
  const std::string step = name ? " at step '" + *name + "'" : "";
  throw Conflict("opportunity " + std::to_string(o.id) + " is locked by approval request " +
                 std::to_string(*o.locked_by_request) + " (pending" + step + "); it cannot " + action +
                 " until the request is approved, rejected or recalled");
}

void require_open(const Opportunity& o, const char* action) {
  if (o.status != "open")
    throw Conflict("opportunity " + std::to_string(o.id) + " is " + o.status + "; reopen it before you " + action +
                   " it");
}

struct Rules {
  schema::FieldSet fields;
  std::vector<schema::Stage> stages;

  static Rules load(const Context& ctx) {
    Rules r;
    r.fields = schema::Fields(ctx).of("opportunity");
    r.stages = schema::Stages(ctx, "pipeline").list();
    return r;
  }
  const schema::Stage* stage(const std::string& name) const {
    for (const auto& s : stages)
      if (s.name == name) return &s;
    return nullptr;
  }
  void require_stage(const std::string& name, const std::string& field) const {
    if (stage(name)) return;
    std::string known;
    for (const auto& s : stages) known += (known.empty() ? "" : ", ") + s.name;
    throw ValidationError(field + ": '" + name + "' is not a pipeline stage (" + known + ")", field);
  }
};

using org::user_exists;

void apply_attr(const Context& ctx, Opportunity& o, const std::string& key, const Value& v, const Rules& rules) {
  if (key == "title") {
    o.title = *customers::text_attr(v, "title", text::kMaxName, true, std::nullopt);
  } else if (key == "amount") {
    if (v.is_null()) throw ValidationError("amount is required (use 0 for an unknown amount)", "amount");
    o.amount_cents = to_cents(v, "amount");
    o.amount = static_cast<double>(o.amount_cents) / 100.0;
  } else if (key == "customer" || key == "customer_id") {
    if (!v.is<std::int64_t>()) throw ValidationError("customer: expected a customer or customer id", "customer");
    const auto owner = customers::owner_of(ctx, v.as<std::int64_t>());
    if (!owner) throw NotFound("customer: customer " + std::to_string(v.as<std::int64_t>()) + " does not exist");
    if (!ctx.who->covers("customers", *owner))
      throw PermissionDenied("user '" + ctx.who->login + "' may not open an opportunity for customer " +
                             std::to_string(v.as<std::int64_t>()) + ", which is outside the user's scope");
    o.customer_id = v.as<std::int64_t>();
  } else if (key == "owner" || key == "owner_id") {
    if (v.is_null()) {
      o.owner_id.reset();
    } else if (!v.is<std::int64_t>()) {
      throw ValidationError("owner: expected a user or user id, got " + std::string(v.type_name()), "owner");
    } else {
      if (!user_exists(ctx, v.as<std::int64_t>()))
        throw NotFound("owner: user " + std::to_string(v.as<std::int64_t>()) + " does not exist");
      o.owner_id = v.as<std::int64_t>();
    }
  } else if (key == "close_date") {
    if (v.is_null())
      o.close_date.reset();
    else if (v.is<Date>())
      o.close_date = v.as<Date>();
    else if (v.is<Timestamp>())
      o.close_date = ctx.zone().date_of(v.as<Timestamp>().ms);  // the local date of the instant
    else if (v.is<std::string>())
      o.close_date = parse_date(text::trim(v.as<std::string>()), "close_date");
    else
      throw ValidationError("close_date: expected a date, got " + std::string(v.type_name()), "close_date");
  } else if (key == "stage") {
    auto s = customers::text_attr(v, "stage", text::kMaxShort, true, std::nullopt);
    rules.require_stage(*s, "stage");
    o.stage = *s;
  } else if (key == "probability") {
    if (v.is_null()) {
      o.probability_override.reset();
    } else {
      double p = v.is<std::int64_t>() ? static_cast<double>(v.as<std::int64_t>())
                 : v.is<double>()     ? v.as<double>()
                                      : -1.0;
      if (!(v.is<std::int64_t>() || v.is<double>()) || !(p >= 0.0 && p <= 1.0))
        throw ValidationError("probability: expected a number between 0 and 1 (None: the stage's)", "probability");
      o.probability_override = p;
    }
  } else if (key == "status" || key == "lost_reason") {
    throw ValidationError(key + ": use win(), lose() or reopen() to change the status of an opportunity", key);
  } else {
    throw ValidationError("unknown opportunity attribute '" + key +
                              "' (use customer, title, amount, owner, close_date, stage, probability, fields)",
                          key);
  }
}

void set_probability(Opportunity& o, const Rules& rules) {
  auto* s = rules.stage(o.stage);
  o.probability = o.probability_override ? *o.probability_override : (s && s->probability ? *s->probability : 0.0);
}

std::optional<std::string> opt_ms(const std::optional<Date>& d) {
  return d ? std::optional(format_date(d->ms)) : std::nullopt;
}
std::optional<std::string> opt_id(const std::optional<std::int64_t>& i) {
  return i ? std::optional(std::to_string(*i)) : std::nullopt;
}
std::optional<std::string> opt_num(const std::optional<double>& d) {
  if (!d) return std::nullopt;
  Value v(*d);
  return v.to_text();
}

RecordValues values_of(const Context& ctx, std::int64_t id) {
  auto v = load_values(ctx, opportunity_catalog(ctx), kOpportunityFrom, id);
  return v ? *v : RecordValues{};
}

// Writes `after` over `before`: field history, stage history, the row, then the observer.
Opportunity write(const Context& ctx, const Opportunity& before, Opportunity after, const Rules& rules,
                  const std::optional<std::string>& reason, const ChangeObserver& observer) {
  RecordValues before_values;
  if (observer) before_values = values_of(ctx, before.id);
  std::vector<std::string> changed;
  auto note = [&](const std::string& field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a != b) { history::record(ctx, "opportunity", before.id, field, a, b, reason); changed.push_back(field); }
  };
  note("title", before.title, after.title);
  note("customer_id", std::to_string(before.customer_id), std::to_string(after.customer_id));
  note("amount", cents_text(before.amount_cents), cents_text(after.amount_cents));
  note("owner_id", opt_id(before.owner_id), opt_id(after.owner_id));
  note("close_date", opt_ms(before.close_date), opt_ms(after.close_date));
  note("stage", before.stage, after.stage);
  note("probability", opt_num(before.probability_override), opt_num(after.probability_override));
  note("status", before.status, after.status);
  note("lost_reason", before.lost_reason, after.lost_reason);
  for (const auto& def : rules.fields.defs()) {
    auto a = before.fields.find(def.name);
    auto b = after.fields.find(def.name);
    std::optional<std::string> av, bv;
    if (a != before.fields.end() && !a->second.is_null()) av = a->second.to_text();
    if (b != after.fields.end() && !b->second.is_null()) bv = b->second.to_text();
    note(def.name, av, bv);
  }
  if (before.stage != after.stage)
    ctx.db()
        .prepare("INSERT INTO opportunity_stage_history(customer_id, opportunity_id, from_stage, to_stage, at, "
                 "actor_id, reason) VALUES (?,?,?,?,?,?,?)")
        // The customer the row still has: a change of customer in the same edit, written below,
        // carries the history along (the reference cascades).
        .bind_all(before.customer_id, before.id, before.stage, after.stage, ctx.now(), ctx.actor(), reason)
        .exec();
  events::emit(ctx, events::ChangeKind::Updated, "opportunity", after.id, after.customer_id, changed);
  after.version = before.version + 1;
  after.updated_at = Timestamp{ctx.now()};
  set_probability(after, rules);
  // Values rather than optionals: g++ 12 reports false maybe-uninitialized warnings for the latter.
  Value closed = after.closed_at ? Value(after.closed_at->ms) : Value();
  Value close_date = after.close_date ? Value(after.close_date->ms) : Value();
  ctx.db()
      .prepare("UPDATE opportunities SET customer_id=?, title=?, amount_cents=?, owner_id=?, close_date=?, stage=?, "
               "probability=?, status=?, lost_reason=?, fields=?, updated_at=?, closed_at=?, version=? WHERE id=?")
      .bind_all(after.customer_id, after.title, after.amount_cents, after.owner_id, close_date, after.stage,
                after.probability_override, after.status, after.lost_reason, rules.fields.to_json(after.fields),
                after.updated_at.ms, closed, after.version, after.id)
      .exec();
  if (observer) {
    RecordChange change;
    change.entity = "opportunity";
    change.id = after.id;
    if (before.stage != after.stage) change.entered_stage = after.stage;
    change.before = std::move(before_values);
    change.after = values_of(ctx, after.id);
    change.actor = ctx.actor();
    observer(ctx, change);
    if (auto reloaded = load(ctx, after.id, rules.fields)) return *reloaded;
  }
  return after;
}

void check_version(const Opportunity& o, std::optional<std::int64_t> expected) {
  if (expected && *expected != o.version)
    throw Conflict("opportunity " + std::to_string(o.id) + " was changed by someone else (version " +
                   std::to_string(o.version) + ", expected " + std::to_string(*expected) + "); reload and retry");
}

void apply_changes(const Context& ctx, Opportunity& after, const OpportunityInput& changes, const Rules& rules) {
  for (const auto& [key, v] : changes.attrs) apply_attr(ctx, after, key, v, rules);
  auto fields = rules.fields.validate(changes.fields, false, [&](std::int64_t u) { return user_exists(ctx, u); });
  for (auto& [k, v] : fields) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Internal entry points for the workflow engine

namespace engine_side {

std::optional<Opportunity> load_opportunity(const Context& ctx, std::int64_t id) {
  return load(ctx, id, schema::Fields(ctx).of("opportunity"));
}

Opportunity engine_move_stage(const Context& ctx, std::int64_t id, const std::string& stage,
                              const std::string& reason, const ChangeObserver& observer) {
  auto rules = Rules::load(ctx);
  auto before = load(ctx, id, rules.fields);
  if (!before) throw NotFound("opportunity " + std::to_string(id) + " does not exist");
  rules.require_stage(stage, "stage");
  if (before->stage == stage) return *before;
  Opportunity after = *before;
  after.stage = stage;
  return write(ctx, *before, after, rules, reason, observer);
}

Opportunity engine_update(const Context& ctx, std::int64_t id, const OpportunityInput& changes,
                          const std::string& reason, const ChangeObserver& observer) {
  auto rules = Rules::load(ctx);
  auto before = load(ctx, id, rules.fields);
  if (!before) throw NotFound("opportunity " + std::to_string(id) + " does not exist");
  Opportunity after = *before;
  apply_changes(ctx, after, changes, rules);
  return write(ctx, *before, after, rules, reason, observer);
}

void set_lock(const Context& ctx, const std::string& entity, std::int64_t id, std::optional<std::int64_t> request) {
  if (entity == "customer") return;
  // The lock is a field of the record (locked_by_request), so a change of it is on the feed; as for
  // customers, neither version nor updated_at moves (it is not an edit). Only an actual change is
  // written: a request moving to its next step locks the record it already holds.
  const bool opportunity = entity == "opportunity";
  auto q = ctx.db().prepare(
      opportunity
          ? "UPDATE opportunities SET locked_by_request = ?1 WHERE id = ?2 AND locked_by_request IS DISTINCT FROM ?1 "
            "RETURNING customer_id"
          : "UPDATE documents SET locked_by_request = ?1 WHERE id = ?2 AND locked_by_request IS DISTINCT FROM ?1 "
            "RETURNING customer_id");
  q.bind_all(request, id);
  if (!q.step()) return;
  const auto customer = q.get_opt_int(0);
  q.reset();
  events::emit(ctx, events::ChangeKind::Updated, opportunity ? "opportunity" : "document", id, customer,
               {"locked_by_request"});
}

std::optional<std::int64_t> customer_of(const Context& ctx, const std::string& entity, std::int64_t id) {
  auto q = ctx.db().prepare(entity == "opportunity" ? "SELECT customer_id FROM opportunities WHERE id = ?"
                                                    : "SELECT customer_id FROM documents WHERE id = ?");
  q.bind_all(id);
  return q.step() ? q.get_opt_int(0) : std::nullopt;
}

}  // namespace engine_side

// ---------------------------------------------------------------------------------------------
// Opportunities

Opportunity Opportunities::add(const OpportunityInput& input) {
  db::Transaction tx(ctx_.db());
  auto rules = Rules::load(ctx_);
  Opportunity o;
  if (rules.stages.empty()) throw ValidationError("stage: the pipeline has no stages", "stage");
  o.stage = rules.stages.front().name;
  if (!ctx_.who->is_system()) o.owner_id = ctx_.who->user_id;
  bool has_customer = false, has_title = false;
  for (const auto& [key, v] : input.attrs) {
    apply_attr(ctx_, o, key, v, rules);
    has_customer = has_customer || key == "customer" || key == "customer_id";
    has_title = has_title || key == "title";
  }
  if (!has_customer) throw ValidationError("customer is required", "customer");
  if (!has_title) throw ValidationError("title is required", "title");
  o.fields = rules.fields.validate(input.fields, true, [&](std::int64_t u) { return user_exists(ctx_, u); });
  if (!ctx_.who->covers(kScope, o.owner_id))
    throw PermissionDenied(describe(*ctx_.who) + " may not create an opportunity owned by " +
                           (o.owner_id ? "user " + std::to_string(*o.owner_id) : std::string("nobody")));
  o.created_by = ctx_.actor();
  o.created_at = o.updated_at = Timestamp{ctx_.now()};
  set_probability(o, rules);
  Value close_date = o.close_date ? Value(o.close_date->ms) : Value();
  ctx_.db()
      .prepare("INSERT INTO opportunities(customer_id, title, amount_cents, owner_id, close_date, stage, probability, "
               "status, fields, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(o.customer_id, o.title, o.amount_cents, o.owner_id, close_date, o.stage, o.probability_override,
                o.status, rules.fields.to_json(o.fields), o.created_by, o.created_at.ms, o.updated_at.ms)
      .exec();
  o.id = ctx_.db().last_insert_id();
  events::emit(ctx_, events::ChangeKind::Created, "opportunity", o.id, o.customer_id, {"amount", "customer_id", "stage", "title"});
  ctx_.db()
      .prepare("INSERT INTO opportunity_stage_history(customer_id, opportunity_id, from_stage, to_stage, at, actor_id) "
               "VALUES (?,?,NULL,?,?,?)")
      .bind_all(o.customer_id, o.id, o.stage, o.created_at.ms, ctx_.actor())
      .exec();
  if (observer_) {
    RecordChange change;
    change.entity = "opportunity";
    change.id = o.id;
    change.created = true;
    change.entered_stage = o.stage;
    change.after = values_of(ctx_, o.id);
    change.actor = ctx_.actor();
    observer_(ctx_, change);
    o = *load(ctx_, o.id, rules.fields);
  }
  tx.commit();
  log::logger().debug("opportunities.add id={}", o.id);
  return o;
}

Opportunity Opportunities::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  return load_in_scope(ctx_, id, schema::Fields(ctx_).of("opportunity"), "read");
}

Opportunity Opportunities::update(std::int64_t id, const OpportunityInput& changes,
                                  std::optional<std::int64_t> expected_version, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto rules = Rules::load(ctx);
  Opportunity before = load_in_scope(ctx, id, rules.fields, "change");
  check_version(before, expected_version);
  require_unlocked(ctx, before, "be changed");
  Opportunity after = before;
  apply_changes(ctx, after, changes, rules);
  if (after.owner_id != before.owner_id && !ctx.who->covers(kScope, after.owner_id))
    throw PermissionDenied(describe(*ctx.who) + " may not hand opportunity " + std::to_string(id) + " to " +
                           (after.owner_id ? "user " + std::to_string(*after.owner_id) : std::string("nobody")));
  if (after.stage != before.stage) require_open(before, "move");
  auto out = write(ctx, before, after, rules, std::nullopt, observer_);
  tx.commit();
  return out;
}

Opportunity Opportunities::advance(std::int64_t id, const std::optional<std::string>& stage,
                                   std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto rules = Rules::load(ctx);
  Opportunity before = load_in_scope(ctx, id, rules.fields, "advance");
  require_unlocked(ctx, before, "move to another stage");
  require_open(before, "advance");
  Opportunity after = before;
  if (stage) {
    auto s = text::trim(*stage);
    rules.require_stage(s, "stage");
    if (s == before.stage)
      throw ValidationError("stage: opportunity " + std::to_string(id) + " is already in stage '" + s + "'", "stage");
    after.stage = s;
  } else {
    auto it = std::find_if(rules.stages.begin(), rules.stages.end(),
                           [&](const schema::Stage& s) { return s.name == before.stage; });
    if (it == rules.stages.end() || it + 1 == rules.stages.end())
      throw ValidationError("stage: opportunity " + std::to_string(id) + " is in the last stage '" + before.stage +
                                "'; there is no next stage",
                            "stage");
    after.stage = (it + 1)->name;
  }
  auto out = write(ctx, before, after, rules, std::nullopt, observer_);
  tx.commit();
  return out;
}

Opportunity Opportunities::win(std::int64_t id, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto rules = Rules::load(ctx);
  Opportunity before = load_in_scope(ctx, id, rules.fields, "win");
  require_unlocked(ctx, before, "be closed");
  require_open(before, "win");
  Opportunity after = before;
  after.status = "won";
  after.closed_at = Timestamp{ctx.now()};
  for (const auto& s : rules.stages)
    if (s.probability && *s.probability >= 1.0) {
      after.stage = s.name;
      break;
    }
  auto out = write(ctx, before, after, rules, std::nullopt, observer_);
  tx.commit();
  return out;
}

Opportunity Opportunities::lose(std::int64_t id, const std::string& reason, std::optional<std::int64_t> by) {
  auto why = text::clean(reason, "reason", text::kMaxLong, true);
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto rules = Rules::load(ctx);
  Opportunity before = load_in_scope(ctx, id, rules.fields, "lose");
  require_unlocked(ctx, before, "be closed");
  require_open(before, "lose");
  Opportunity after = before;
  after.status = "lost";
  after.lost_reason = why;
  after.closed_at = Timestamp{ctx.now()};
  for (auto it = rules.stages.rbegin(); it != rules.stages.rend(); ++it)
    if (it->probability && *it->probability <= 0.0) {
      after.stage = it->name;
      break;
    }
  auto out = write(ctx, before, after, rules, why, observer_);
  tx.commit();
  return out;
}

Opportunity Opportunities::reopen(std::int64_t id, const std::optional<std::string>& stage,
                                  std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto rules = Rules::load(ctx);
  Opportunity before = load_in_scope(ctx, id, rules.fields, "reopen");
  require_unlocked(ctx, before, "be reopened");
  if (before.status == "open")
    throw Conflict("opportunity " + std::to_string(id) + " is already open");
  Opportunity after = before;
  after.status = "open";
  after.lost_reason.reset();
  after.closed_at.reset();
  if (stage) {
    auto s = text::trim(*stage);
    rules.require_stage(s, "stage");
    after.stage = s;
  } else {
    // The stage it was in before it was closed.
    auto q = ctx.db().prepare(
        "SELECT from_stage FROM opportunity_stage_history WHERE opportunity_id = ? AND to_stage = ? "
        "AND from_stage IS NOT NULL ORDER BY id DESC LIMIT 1");
    q.bind_all(id, before.stage);
    if (q.step() && rules.stage(q.get_text(0))) after.stage = q.get_text(0);
  }
  auto out = write(ctx, before, after, rules, std::nullopt, observer_);
  tx.commit();
  return out;
}

Table Opportunities::find(const OpportunityQuery& query) const {
  paging::check(query.limit, query.offset);
  db::Transaction tx(ctx_.db(), false);
  auto rules = Rules::load(ctx_);
  auto scope = ctx_.who->owner_filter(kScope, "o.owner_id");
  std::string sql = "SELECT " + record_columns() + kFrom + " WHERE " + scope.sql;
  std::vector<Value> params;
  for (auto p : scope.params) params.emplace_back(p);
  if (query.owner) {
    sql += " AND o.owner_id = ?";
    params.emplace_back(*query.owner);
  }
  if (query.customer) {
    sql += " AND o.customer_id = ?";
    params.emplace_back(*query.customer);
  }
  if (query.stage) {
    sql += " AND o.stage = ?";
    params.emplace_back(text::trim(*query.stage));
  }
  if (query.status) {
    sql += " AND o.status = ?";
    params.emplace_back(text::trim(*query.status));
  }
  std::vector<rules::Value> rule_params;
  if (query.where) {
    auto catalog = opportunity_catalog(ctx_);
    auto rule = rules::parse(*query.where, catalog);
    auto frag = rules::compile_filter(rule, catalog, ctx_.now());
    sql += " AND " + frag.sql;
    rule_params = frag.params;
  }
  sql += " ORDER BY o.id LIMIT ? OFFSET ?";
  auto q = ctx_.db().prepare(sql);
  int i = 0;
  for (const auto& p : params) q.bind(++i, p);
  for (const auto& p : rule_params) {
    ++i;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, rules::Value::List>)
            q.bind_null(i);
          else
            q.bind(i, x);
        },
        p.storage());
  }
  q.bind(++i, query.limit);
  q.bind(++i, query.offset);

  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_customer = t.add_column("customer_id", ColumnType::Int);
  auto c_title = t.add_column("title", ColumnType::Text);
  auto c_amount = t.add_column("amount", ColumnType::Float);
  auto c_owner = t.add_column("owner_id", ColumnType::Int);
  auto c_close = t.add_column("close_date", ColumnType::Date);
  auto c_stage = t.add_column("stage", ColumnType::Text);
  auto c_prob = t.add_column("probability", ColumnType::Float);
  auto c_status = t.add_column("status", ColumnType::Text);
  auto c_lost = t.add_column("lost_reason", ColumnType::Text);
  auto c_lock = t.add_column("locked_by_request", ColumnType::Int);
  auto c_created = t.add_column("created_at", ColumnType::Time);
  auto c_updated = t.add_column("updated_at", ColumnType::Time);
  auto c_closed = t.add_column("closed_at", ColumnType::Time);
  auto c_version = t.add_column("version", ColumnType::Int);
  auto first = customers::add_field_columns(t, rules.fields);
  while (q.step()) {
    auto o = read_opportunity(q, rules.fields);
    t.column(c_id).push_int(o.id);
    t.column(c_customer).push_int(o.customer_id);
    t.column(c_title).push_text(o.title);
    t.column(c_amount).push_float(o.amount);
    t.column(c_owner).push_opt(o.owner_id);
    if (o.close_date)
      t.column(c_close).push_int(o.close_date->ms);
    else
      t.column(c_close).push_null();
    t.column(c_stage).push_text(o.stage);
    t.column(c_prob).push_float(o.probability);
    t.column(c_status).push_text(o.status);
    t.column(c_lost).push_opt(o.lost_reason);
    t.column(c_lock).push_opt(o.locked_by_request);
    t.column(c_created).push_int(o.created_at.ms);
    t.column(c_updated).push_int(o.updated_at.ms);
    if (o.closed_at)
      t.column(c_closed).push_int(o.closed_at->ms);
    else
      t.column(c_closed).push_null();
    t.column(c_version).push_int(o.version);
    customers::push_field_values(t, first, rules.fields, o.fields);
  }
  return t;
}

Table Opportunities::stage_history(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  load_in_scope(ctx_, id, schema::Fields(ctx_).of("opportunity"), "read");
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_opp = t.add_column("opportunity_id", ColumnType::Int);
  auto c_from = t.add_column("from_stage", ColumnType::Text);
  auto c_to = t.add_column("to_stage", ColumnType::Text);
  auto c_at = t.add_column("at", ColumnType::Time);
  auto c_actor_id = t.add_column("actor_id", ColumnType::Int);
  auto c_actor = t.add_column("actor", ColumnType::Text);
  auto c_reason = t.add_column("reason", ColumnType::Text);
  auto q = ctx_.db().prepare(
      "SELECT h.id, h.opportunity_id, h.from_stage, h.to_stage, h.at, h.actor_id, u.login, h.reason "
      "FROM opportunity_stage_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.opportunity_id = ? "
      "ORDER BY h.id");
  q.bind_all(id);
  while (q.step()) {
    t.column(c_id).push_int(q.get_int(0));
    t.column(c_opp).push_int(q.get_int(1));
    t.column(c_from).push_opt(q.get_opt_text(2));
    t.column(c_to).push_text(q.get_text(3));
    t.column(c_at).push_int(q.get_int(4));
    t.column(c_actor_id).push_opt(q.get_opt_int(5));
    t.column(c_actor).push_text(q.is_null(5) ? "system" : q.get_text(6));
    t.column(c_reason).push_opt(q.get_opt_text(7));
  }
  return t;
}

Table Opportunities::history(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto o = load_in_scope(ctx_, id, schema::Fields(ctx_).of("opportunity"), "read");
  return history::list(ctx_, "opportunity", id, o.created_at.ms, o.created_by);
}

}  // namespace crmkit::pipeline
