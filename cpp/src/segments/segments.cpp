#include "crmkit/segments/segments.hpp"

#include <algorithm>
#include <iterator>
#include <map>

#include "crmkit/customers/bulk.hpp"
#include "crmkit/customers/customers.hpp"
#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/segments/column_store.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/events/emit.hpp"

namespace crmkit::segments {
namespace {

using customers::compile_customer_rule;
using customers::rule_from;

Segment read_segment(db::Stmt& q) {
  return Segment{q.get_int(0), q.get_text(1), q.get_text(2), Timestamp{q.get_int(3)}, Timestamp{q.get_int(4)},
                 q.get_int(5)};
}

Segment load_segment(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare("SELECT id, name, rule, created_at, updated_at, version FROM segments WHERE name = ?");
  q.bind_all(text::trim(name));
  if (!q.step()) {
    std::string known;
    auto all = ctx.db().prepare("SELECT name FROM segments ORDER BY name");
    while (all.step()) known += (known.empty() ? "" : ", ") + all.get_text(0);
    throw NotFound("no segment is named '" + name + "'" + (known.empty() ? "" : " (defined: " + known + ")"));
  }
  return read_segment(q);
}

// A segment is shared configuration every view reads, so changing or removing one is its
// definer's or an administrator's call: a rep must not redefine the segment a campaign or a
// revisit plan of someone else runs on. Defining a new one stays open to every view.
void require_definer(const Context& ctx, const Segment& s, const std::string& what) {
  if (ctx.who->is_system() || ctx.who->is_admin) return;
  auto q = ctx.db().prepare("SELECT created_by FROM segments WHERE id = ?");
  q.bind_all(s.id);
  q.step();
  const auto definer = q.get_opt_int(0);
  if (definer && definer == ctx.actor()) return;
  const auto by = definer ? org::login_of(ctx, *definer) : std::nullopt;
  throw PermissionDenied("user '" + ctx.who->login + "' may not " + what + " segment '" + s.name +
                         "': it was defined by " + (by ? "'" + *by + "'" : std::string("the system")) +
                         ", and only its definer or an admin may change it");
}

// The ids a rule selects within the principal's scope, ascending.
std::vector<std::int64_t> select_ids(const Context& ctx, const std::string& rule) {
  auto compiled = compile_customer_rule(ctx, rule);
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  auto q = ctx.db().prepare("SELECT c.id FROM " + rule_from(ctx) + " WHERE " + scope.sql + " AND (" +
                            compiled.sql + ") ORDER BY c.id");
  int i = 0;
  for (auto id : scope.params) q.bind(++i, id);
  for (const auto& v : compiled.params) customers::bind_rule_value(q, ++i, v);
  std::vector<std::int64_t> ids;
  while (q.step()) ids.push_back(q.get_int(0));
  return ids;
}

std::string catalog_key(const rules::Catalog& catalog) {
  std::string key;
  for (const auto& f : catalog.fields) {
    key += f.name + '\x1f' + f.sql + '\x1f' + std::string(rules::type_name(f.type));
    for (const auto& o : f.options) key += '\x1f' + o;
    key += '\x1e';
  }
  return key;
}

// The engine's column store, attached to the engine as an extension (see Engine::extension).
struct ColumnStoreSlot {
  std::mutex mutex;
  std::shared_ptr<ColumnStore> store;
  std::string catalog_key;  // the catalog the store was built with, to notice new custom fields
};

// The engine's column store, built on first use and told about new custom fields. Called without
// holding the database mutex (the store takes it itself while it loads).
std::shared_ptr<ColumnStore> column_store(const Context& ctx, const rules::Catalog& catalog) {
  auto& slot = ctx.live().extension<ColumnStoreSlot>();
  std::lock_guard<std::mutex> lock(slot.mutex);
  std::string key = catalog_key(catalog);
  if (!slot.store) {
    // The default options describe the customer catalog's days_since_contact.
    slot.store = std::make_shared<ColumnStore>(ctx.db(), catalog);
    slot.catalog_key = key;
  } else if (slot.catalog_key != key) {
    slot.store->set_catalog(catalog);
    slot.catalog_key = key;
  }
  return slot.store;
}

// The store and the parsed rule when a request is answered from the columns; nullopt when an Auto
// request is answered through SQL because the store does not yet hold what the rule reads (the
// cold-path policy of Evaluator::Auto: the first kColdSqlAnswers such requests after the store
// last loaded go to SQL, the next one loads). Both paths apply the view's scope: SQL through
// owner_filter, the columns through visible_owners, which describe the same owner set.
struct ColumnPlan {
  std::shared_ptr<ColumnStore> store;
  rules::Rule rule;
};

std::optional<ColumnPlan> plan_columns(const Context& ctx, const std::string& text, Evaluator how) {
  rules::Catalog catalog;
  std::optional<rules::Rule> rule;
  {
    db::Transaction tx(ctx.db(), false);
    catalog = customers::customer_catalog(ctx);
    rule = rules::parse(text, catalog);
  }
  auto store = column_store(ctx, catalog);
  if (how == Evaluator::Auto && store->answer_through_sql(*rule, kColdSqlAnswers)) return std::nullopt;
  store->refresh();
  return ColumnPlan{std::move(store), std::move(*rule)};
}

std::vector<std::int64_t> column_ids(const Context& ctx, const ColumnPlan& plan) {
  auto owners = ctx.who->visible_owners("customers");
  return plan.store->evaluate(plan.rule, ctx.now(), owners ? &*owners : nullptr);
}

std::int64_t column_count(const Context& ctx, const ColumnPlan& plan) {
  auto owners = ctx.who->visible_owners("customers");
  return plan.store->count(plan.rule, ctx.now(), owners ? &*owners : nullptr);
}

std::string rule_of(const Context& ctx, const std::string& name) {
  db::Transaction tx(ctx.db(), false);
  return load_segment(ctx, name).rule;
}

std::string clean_name(const std::string& name, const char* what) {
  return *text::clean(name, what, text::kMaxShort, true);
}

std::int64_t group_id(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare("SELECT id FROM groups WHERE name = ?");
  q.bind_all(text::trim(name));
  if (!q.step()) throw NotFound("no group is named '" + name + "'");
  return q.get_int(0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Segments

Segment Segments::define(const std::string& name, const std::string& rule) {
  auto clean = clean_name(name, "name");
  db::Transaction tx(ctx_.db());
  compile_customer_rule(ctx_, rule);  // refuses a rule that does not parse or type-check
  auto dup = ctx_.db().prepare("SELECT 1 FROM segments WHERE name = ?");
  dup.bind_all(clean);
  if (dup.step()) throw Conflict("a segment named '" + clean + "' already exists; use redefine() to change its rule");
  auto now = ctx_.now();
  ctx_.db()
      .prepare("INSERT INTO segments(name, rule, created_by, created_at, updated_at) VALUES (?,?,?,?,?)")
      .bind_all(clean, rule, ctx_.actor(), now, now)
      .exec();
  Segment s{ctx_.db().last_insert_id(), clean, rule, Timestamp{now}, Timestamp{now}, 1};
  history::record(ctx_, "segment", s.id, "rule", std::nullopt, rule, "defined");
  tx.commit();
  log::logger().debug("segments.define id={}", s.id);
  return s;
}

Segment Segments::redefine(const std::string& name, const std::string& rule) {
  db::Transaction tx(ctx_.db());
  Segment before = load_segment(ctx_, name);
  require_definer(ctx_, before, "redefine");
  compile_customer_rule(ctx_, rule);
  ctx_.db()
      .prepare("UPDATE segments SET rule = ?, updated_at = ?, version = version + 1 WHERE id = ?")
      .bind_all(rule, ctx_.now(), before.id)
      .exec();
  history::record(ctx_, "segment", before.id, "rule", before.rule, rule, "redefined");
  Segment after = load_segment(ctx_, name);
  tx.commit();
  return after;
}

Segment Segments::get(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  return load_segment(ctx_, name);
}

void Segments::remove(const std::string& name) {
  db::Transaction tx(ctx_.db());
  Segment s = load_segment(ctx_, name);
  require_definer(ctx_, s, "remove");
  ctx_.db().prepare("DELETE FROM segments WHERE id = ?").bind_all(s.id).exec();
  history::record(ctx_, "segment", s.id, "rule", s.rule, std::nullopt, "removed");
  tx.commit();
}

Table Segments::list() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT id, name, rule, created_at, updated_at FROM segments ORDER BY name");
  return db::read_table(q, {{"id", ColumnType::Int}, {"name", ColumnType::Text}, {"rule", ColumnType::Text},
                            {"created_at", ColumnType::Time}, {"updated_at", ColumnType::Time}});
}

std::int64_t Segments::count(const std::string& name, Evaluator how) const {
  return count_rule(rule_of(ctx_, name), how);
}

std::vector<std::int64_t> Segments::ids(const std::string& name, Evaluator how) const {
  return ids_rule(rule_of(ctx_, name), how);
}

Table Segments::members(const std::string& name, std::int64_t limit, std::int64_t offset) const {
  paging::check(limit, offset);
  db::Transaction tx(ctx_.db(), false);
  return evaluate(load_segment(ctx_, name).rule, limit, offset);
}

Table Segments::evaluate(const std::string& rule, std::int64_t limit, std::int64_t offset) const {
  paging::check(limit, offset);
  customers::CustomerQuery q;
  q.where = rule;
  q.limit = limit;
  q.offset = offset;
  return customers::Customers(ctx_).find(q);
}

std::int64_t Segments::count_rule(const std::string& rule, Evaluator how) const {
  if (how != Evaluator::Sql) {
    if (auto plan = plan_columns(ctx_, rule, how)) return column_count(ctx_, *plan);
  }
  customers::CustomerQuery q;
  q.where = rule;
  return customers::Customers(ctx_).count(q);
}

std::vector<std::int64_t> Segments::ids_rule(const std::string& rule, Evaluator how) const {
  if (how != Evaluator::Sql) {
    if (auto plan = plan_columns(ctx_, rule, how)) return column_ids(ctx_, *plan);
  }
  db::Transaction tx(ctx_.db(), false);
  return select_ids(ctx_, rule);
}

StoreStatus Segments::store_status() const {
  auto& slot = ctx_.live().extension<ColumnStoreSlot>();
  std::shared_ptr<ColumnStore> store;
  {
    std::lock_guard<std::mutex> lock(slot.mutex);
    store = slot.store;
  }
  StoreStatus out;
  if (!store) return out;
  const auto s = store->stats();
  out.created = true;
  out.full_loads = s.full_loads;
  out.incremental_refreshes = s.incremental_refreshes;
  out.columns_resident = s.columns_resident;
  out.sets_resident = s.sets_resident;
  out.last_seq = s.last_seq;
  out.sql_answers = s.sql_answers;
  out.column_answers = s.column_answers;
  return out;
}

Evaluator parse_evaluator(const std::string& name) {
  if (name == "auto") return Evaluator::Auto;
  if (name == "columns") return Evaluator::Columns;
  if (name == "sql") return Evaluator::Sql;
  throw ValidationError("engine: '" + name + "' is not an evaluator (auto, columns or sql)", "engine");
}

std::vector<std::int64_t> segment_members(const Context& ctx, const std::string& name) {
  // Revisit plans ask from inside their own write transaction: compile to SQL there rather than
  // wait for the column store, which takes the database lock itself.
  return Segments(ctx).ids(name, Evaluator::Sql);
}

Table Segments::explain(const std::string& name, std::int64_t customer_id) const {
  db::Transaction tx(ctx_.db(), false);
  Segment s = load_segment(ctx_, name);
  customers::Customers(ctx_).require_visible(customer_id);
  auto compiled = compile_customer_rule(ctx_, s.rule);
  Table t;
  t.add_column("clause", ColumnType::Text);
  t.add_column("value", ColumnType::Text);
  t.add_column("result", ColumnType::Bool);
  t.add_column("depth", ColumnType::Int);
  for (const auto& row : customers::explain(ctx_, compiled.rule, customer_id)) {
    t.column(0).push_text(row.clause);
    t.column(1).push_text(row.value);
    t.column(2).push_int(row.result);
    t.column(3).push_int(row.depth);
  }
  return t;
}

bool Segments::contains(const std::string& name, std::int64_t customer_id) const {
  db::Transaction tx(ctx_.db(), false);
  Segment s = load_segment(ctx_, name);
  customers::Customers(ctx_).require_visible(customer_id);
  return customers::matches(ctx_, compile_customer_rule(ctx_, s.rule).rule, customer_id);
}

Snapshot Segments::snapshot(const std::string& name) {
  db::Transaction tx(ctx_.db());
  Segment s = load_segment(ctx_, name);
  auto ids = select_ids(ctx_, s.rule);
  ctx_.db()
      .prepare("INSERT INTO segment_snapshots(segment_id, taken_at, taken_by, count) VALUES (?,?,?,?)")
      .bind_all(s.id, ctx_.now(), ctx_.actor(), static_cast<std::int64_t>(ids.size()))
      .exec();
  Snapshot snap{ctx_.db().last_insert_id(), s.name, Timestamp{ctx_.now()}, static_cast<std::int64_t>(ids.size())};
  auto ins = ctx_.db().prepare("INSERT INTO segment_snapshot_members(snapshot_id, customer_id) VALUES (?,?)");
  for (auto id : ids) {
    ins.bind_all(snap.id, id);
    ins.exec();
    ins.reset();
  }
  tx.commit();
  return snap;
}

SegmentDiff Segments::diff(const std::string& name, std::optional<std::int64_t> since) const {
  db::Transaction tx(ctx_.db(), false);
  Segment s = load_segment(ctx_, name);
  auto q = ctx_.db().prepare(since ? "SELECT id FROM segment_snapshots WHERE segment_id = ? AND id = ?"
                                   : "SELECT id FROM segment_snapshots WHERE segment_id = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, s.id);
  if (since) q.bind(2, *since);
  if (!q.step())
    throw NotFound(since ? "snapshot " + std::to_string(*since) + " is not a snapshot of segment '" + s.name + "'"
                         : "segment '" + s.name + "' has no snapshot yet; take one with snapshot()");
  SegmentDiff d;
  d.segment = s.name;
  d.since = q.get_int(0);
  std::vector<std::int64_t> before;
  auto m = ctx_.db().prepare("SELECT customer_id FROM segment_snapshot_members WHERE snapshot_id = ? ORDER BY customer_id");
  m.bind_all(d.since);
  while (m.step()) before.push_back(m.get_int(0));
  auto now = select_ids(ctx_, s.rule);
  std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(d.entered));
  std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(d.left));
  // A scoped view compares only what it can see now.
  if (!ctx_.who->is_system()) {
    auto visible = select_ids(ctx_, "id > 0");
    auto keep = [&](std::vector<std::int64_t>& v) {
      std::vector<std::int64_t> out;
      std::set_intersection(v.begin(), v.end(), visible.begin(), visible.end(), std::back_inserter(out));
      v = std::move(out);
    };
    keep(d.left);
  }
  return d;
}

Table Segments::snapshots(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  Segment s = load_segment(ctx_, name);
  auto q = ctx_.db().prepare("SELECT id, taken_at, count FROM segment_snapshots WHERE segment_id = ? ORDER BY id");
  q.bind_all(s.id);
  return db::read_table(q, {{"id", ColumnType::Int}, {"taken_at", ColumnType::Time}, {"count", ColumnType::Int}});
}

// ---------------------------------------------------------------------------------------------
// Groups

std::int64_t Groups::add(const std::string& name) {
  auto clean = clean_name(name, "name");
  db::Transaction tx(ctx_.db());
  auto dup = ctx_.db().prepare("SELECT 1 FROM groups WHERE name = ?");
  dup.bind_all(clean);
  if (dup.step()) throw Conflict("a group named '" + clean + "' already exists");
  ctx_.db().prepare("INSERT INTO groups(name, created_at) VALUES (?,?)").bind_all(clean, ctx_.now()).exec();
  auto id = ctx_.db().last_insert_id();
  tx.commit();
  return id;
}

void Groups::remove(const std::string& name) {
  db::Transaction tx(ctx_.db());
  auto id = group_id(ctx_, name);
  // The members leave with the group (ON DELETE CASCADE): each is a changed customer.
  std::vector<std::int64_t> members;
  auto q = ctx_.db().prepare("SELECT customer_id FROM group_members WHERE group_id = ? ORDER BY customer_id");
  q.bind_all(id);
  while (q.step()) members.push_back(q.get_int(0));
  q.reset();
  // Removing the group takes every member out of it: a scoped view may do that only when all
  // members are its own, as for remove_members.
  if (!ctx_.who->is_system()) {
    customers::Customers visible(ctx_);
    for (auto m : members) {
      try {
        visible.require_visible(m);
      } catch (const PermissionDenied&) {
        throw PermissionDenied("user '" + ctx_.who->login + "' may not remove group '" + name + "': it holds customer " +
                               std::to_string(m) + ", which is outside the user's scope");
      }
    }
  }
  events::customers(ctx_, events::ChangeKind::Updated, members, {"groups"});
  ctx_.db().prepare("DELETE FROM groups WHERE id = ?").bind_all(id).exec();
  tx.commit();
}

std::int64_t Groups::add_members(const std::string& name, const std::vector<std::int64_t>& customer_ids) {
  db::Transaction tx(ctx_.db());
  auto gid = group_id(ctx_, name);
  customers::Customers visible(ctx_);
  std::int64_t added = 0;
  auto ins = ctx_.db().prepare("INSERT INTO group_members(group_id, customer_id, added_at) VALUES (?,?,?) ON CONFLICT DO NOTHING");
  for (auto id : customer_ids) {
    visible.require_visible(id);
    ins.bind_all(gid, id, ctx_.now());
    if (ins.exec() > 0) {
      ++added;
      events::customer(ctx_, events::ChangeKind::Updated, id, {"groups"});
    }
    ins.reset();
  }
  tx.commit();
  return added;
}

std::int64_t Groups::remove_members(const std::string& name, const std::vector<std::int64_t>& customer_ids) {
  db::Transaction tx(ctx_.db());
  auto gid = group_id(ctx_, name);
  customers::Customers visible(ctx_);
  std::int64_t removed = 0;
  auto del = ctx_.db().prepare("DELETE FROM group_members WHERE group_id = ? AND customer_id = ?");
  for (auto id : customer_ids) {
    visible.require_visible(id);
    del.bind_all(gid, id);
    if (del.exec() > 0) {
      ++removed;
      events::customer(ctx_, events::ChangeKind::Updated, id, {"groups"});
    }
    del.reset();
  }
  tx.commit();
  return removed;
}

std::vector<std::int64_t> Groups::ids(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  group_id(ctx_, name);
  std::string rule = "in_group(\"";
  for (char ch : text::trim(name)) {
    if (ch == '"' || ch == '\\') rule += '\\';
    rule += ch;
  }
  return select_ids(ctx_, rule + "\")");
}

Table Groups::members(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  group_id(ctx_, name);
  std::string rule = "in_group(\"";
  for (char ch : text::trim(name)) {
    if (ch == '"' || ch == '\\') rule += '\\';
    rule += ch;
  }
  customers::CustomerQuery q;
  q.where = rule + "\")";
  return customers::Customers(ctx_).find(q);
}

Table Groups::list() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(
      "SELECT g.id, g.name, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id), g.created_at "
      "FROM groups g ORDER BY g.name");
  return db::read_table(q, {{"id", ColumnType::Int}, {"name", ColumnType::Text}, {"members", ColumnType::Int},
                            {"created_at", ColumnType::Time}});
}

// ---------------------------------------------------------------------------------------------
// Auto-tags and auto-stages

void AutoRules::add(const std::string& target, const std::string& rule) {
  ctx_.require_admin("define automatic " + kind_ + " rules");
  auto clean = *text::clean(target, kind_, kind_ == "tag" ? text::kMaxTag : text::kMaxShort, true);
  db::Transaction tx(ctx_.db());
  if (kind_ == "stage") schema::Stages(ctx_, "lifecycle").require(clean, "stage");
  compile_customer_rule(ctx_, rule);
  auto pos = ctx_.db().prepare("SELECT coalesce(max(position), -1) + 1 FROM auto_rules WHERE kind = ?");
  pos.bind_all(kind_);
  pos.step();
  ctx_.db()
      .prepare("INSERT INTO auto_rules(kind, target, rule, position, created_at) VALUES (?,?,?,?,?) "
               "ON CONFLICT(kind, target) DO UPDATE SET rule = excluded.rule")
      .bind_all(kind_, clean, rule, pos.get_int(0), ctx_.now())
      .exec();
  tx.commit();
}

void AutoRules::remove(const std::string& target) {
  ctx_.require_admin("remove automatic " + kind_ + " rules");
  db::Transaction tx(ctx_.db());
  auto n = ctx_.db()
               .prepare("DELETE FROM auto_rules WHERE kind = ? AND target = ?")
               .bind_all(kind_, text::trim(target))
               .exec();
  if (n == 0) throw NotFound("no automatic " + kind_ + " rule for '" + target + "'");
  tx.commit();
}

Table AutoRules::list() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT target, rule, position FROM auto_rules WHERE kind = ? ORDER BY position");
  q.bind_all(kind_);
  return db::read_table(q, {{kind_.c_str(), ColumnType::Text}, {"rule", ColumnType::Text},
                            {"position", ColumnType::Int}});
}

// The rules decide, in the order of their positions, which customers should carry each tag or
// stage; the customers domain makes the changes (versions, history, events) and leaves customers
// locked by a pending approval as they are, to be changed by a later run.
Table AutoRules::apply() {
  ctx_.require_admin("apply automatic " + kind_ + " rules");
  db::Transaction tx(ctx_.db());
  std::vector<std::pair<std::string, std::string>> rules;
  {
    auto q = ctx_.db().prepare("SELECT target, rule FROM auto_rules WHERE kind = ? ORDER BY position");
    q.bind_all(kind_);
    while (q.step()) rules.emplace_back(q.get_text(0), q.get_text(1));
  }
  Table t;
  t.add_column(kind_, ColumnType::Text);
  t.add_column("added", ColumnType::Int);
  t.add_column("removed", ColumnType::Int);
  auto matching = [&](const std::string& rule) {
    auto compiled = compile_customer_rule(ctx_, rule);
    auto q = ctx_.db().prepare("SELECT c.id FROM " + rule_from(ctx_) + " WHERE " + compiled.sql + " ORDER BY c.id");
    int i = 0;
    for (const auto& v : compiled.params) customers::bind_rule_value(q, ++i, v);
    std::vector<std::int64_t> ids;
    while (q.step()) ids.push_back(q.get_int(0));
    return ids;
  };
  // Stage rules: a customer takes the stage of the first rule it matches.
  std::map<std::int64_t, std::size_t> first_rule;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto& [target, rule] = rules[r];
    std::vector<std::int64_t> matches = matching(rule);
    if (kind_ == "tag") {
      const std::string reason = "autotag:" + target;
      auto added = customers::add_tag_to(ctx_, matches, target, reason);
      const std::vector<std::int64_t> carrying = customers::tagged(ctx_, target);
      std::vector<std::int64_t> stale;
      std::set_difference(carrying.begin(), carrying.end(), matches.begin(), matches.end(), std::back_inserter(stale));
      auto removed = customers::remove_tag_from(ctx_, stale, target, reason);
      t.column(0).push_text(target);
      t.column(1).push_int(static_cast<std::int64_t>(added.changed.size()));
      t.column(2).push_int(static_cast<std::int64_t>(removed.changed.size()));
    } else {
      for (std::int64_t id : matches) first_rule.emplace(id, r);
    }
  }
  if (kind_ == "stage") {
    std::vector<std::vector<std::int64_t>> assigned(rules.size());
    for (const auto& [id, r] : first_rule) assigned[r].push_back(id);
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const std::string& target = rules[r].first;
      auto moved = customers::set_stage_of(ctx_, assigned[r], target, "autostage:" + target);
      t.column(0).push_text(target);
      t.column(1).push_int(static_cast<std::int64_t>(moved.changed.size()));
      t.column(2).push_int(0);
    }
  }
  tx.commit();
  return t;
}

}  // namespace crmkit::segments
