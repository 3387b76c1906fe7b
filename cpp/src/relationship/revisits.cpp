#include "crmkit/relationship/revisits.hpp"

#include "crmkit/customers/bulk.hpp"
#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/relationship/audiences.hpp"
#include "crmkit/text.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

constexpr const char* kColumns =
    "p.id, p.name, p.target_kind, p.target, p.every_days, p.assignee_id, p.title, p.created_at, p.updated_at, "
    "p.version";

RevisitPlan read(db::Stmt& q) {
  RevisitPlan p;
  p.id = q.get_int(0);
  p.name = q.get_text(1);
  p.target_kind = q.get_text(2);
  p.target = q.get_text(3);
  p.every_days = q.get_int(4);
  p.assignee_id = q.get_opt_int(5);
  p.title = q.get_text(6);
  p.created_at = Timestamp{q.get_int(7)};
  p.updated_at = Timestamp{q.get_int(8)};
  p.version = q.get_int(9);
  return p;
}

std::optional<RevisitPlan> find(const Context& ctx, const std::string& name) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + " FROM revisit_plans p WHERE p.name = ?");
  q.bind_all(name);
  if (!q.step()) return std::nullopt;
  return read(q);
}

const Audiences::Members& segments(const Context& ctx) {
  const auto& f = audiences(ctx).segment_members;
  if (!f) throw ValidationError("segments are not available", "segment");
  return f;
}

const Audiences::Members& groups(const Context& ctx) {
  const auto& f = audiences(ctx).group_members;
  if (!f) throw ValidationError("groups are not available", "group");
  return f;
}

// The members of a plan's target as a SQL set expression with its parameters.
std::string members_sql(const Context& ctx, const RevisitPlan& p, std::vector<Value>& params) {
  // The owning domain resolves the target to ids (tags: customers; groups and segments: the
  // segments domain, installed on the engine), which travel as one JSON list parameter.
  std::vector<std::int64_t> ids;
  if (p.target_kind == "tag") ids = customers::tagged(ctx, p.target);
  else if (p.target_kind == "group") ids = groups(ctx)(ctx, p.target);
  else ids = segments(ctx)(ctx, p.target);
  std::string json = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) json += (i ? "," : "") + std::to_string(ids[i]);
  json += "]";
  params.emplace_back(json);
  return ctx.db().dialect().ids_in_json("?");
}

}  // namespace

RevisitPlan Revisits::plan(const RevisitPlanInput& in) {
  ctx_.require_admin("define revisit plans");
  RevisitPlan p;
  p.name = *text::clean(in.name, "name", text::kMaxShort, true);
  p.target_kind = in.target_kind;
  if (p.target_kind != "segment" && p.target_kind != "group" && p.target_kind != "tag")
    throw ValidationError("target: a revisit plan names exactly one of segment, group or tag", "target");
  p.target = *text::clean(in.target, p.target_kind, text::kMaxName, true);
  if (in.every_days < 1 || in.every_days > 3650)
    throw ValidationError("every_days: " + std::to_string(in.every_days) + " is not an interval from 1 to 3650 days",
                          "every_days");
  p.every_days = in.every_days;
  p.title = in.title ? *text::clean(*in.title, "title", text::kMaxName, true) : "回访: " + p.name;
  db::Transaction tx(ctx_.db());
  if (p.target_kind == "segment") {
    segments(ctx_)(ctx_, p.target);  // NotFound for an unknown segment
  } else if (p.target_kind == "group") {
    groups(ctx_);  // refused where no domain keeps groups
    if (!audiences(ctx_).group_exists(ctx_, p.target)) throw NotFound("group: group '" + p.target + "' does not exist");
  }
  if (in.assignee_id) detail::require_user(ctx_, *in.assignee_id, "assignee");
  p.assignee_id = in.assignee_id;
  const std::int64_t now = ctx_.now();
  auto before = find(ctx_, p.name);
  ctx_.db()
      .prepare("INSERT INTO revisit_plans(name, target_kind, target, every_days, assignee_id, title, created_at, "
               "updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?7) ON CONFLICT(name) DO UPDATE SET target_kind = "
               "excluded.target_kind, target = excluded.target, every_days = excluded.every_days, assignee_id = "
               "excluded.assignee_id, title = excluded.title, updated_at = excluded.updated_at, version = version + 1")
      .bind_all(p.name, p.target_kind, p.target, p.every_days, p.assignee_id, p.title, now)
      .exec();
  RevisitPlan out = *find(ctx_, p.name);
  history::record(ctx_, "revisit_plan", out.id, before ? "definition" : "created",
                  before ? std::optional(before->target_kind + ":" + before->target + " every " +
                                         std::to_string(before->every_days) + "d")
                         : std::nullopt,
                  out.target_kind + ":" + out.target + " every " + std::to_string(out.every_days) + "d");
  tx.commit();
  return out;
}

RevisitPlan Revisits::get(const std::string& name) const {
  db::Transaction tx(ctx_.db(), false);
  auto p = find(ctx_, text::trim(name));
  if (!p) throw NotFound("revisit plan '" + name + "' does not exist");
  return *p;
}

Table Revisits::list() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(
      "SELECT p.id, p.name, p.target_kind, p.target, p.every_days, p.assignee_id, p.title, "
      "(SELECT count(*) FROM tasks t WHERE t.plan_id = p.id AND t.status = 'open') FROM revisit_plans p ORDER BY p.name");
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto name = t.add_column("name", ColumnType::Text);
  auto kind = t.add_column("target_kind", ColumnType::Text);
  auto target = t.add_column("target", ColumnType::Text);
  auto every = t.add_column("every_days", ColumnType::Int);
  auto assignee = t.add_column("assignee", ColumnType::Text);
  auto assignee_id = t.add_column("assignee_id", ColumnType::Int);
  auto title = t.add_column("title", ColumnType::Text);
  auto open = t.add_column("open_tasks", ColumnType::Int);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(name).push_text(q.get_text(1));
    t.column(kind).push_text(q.get_text(2));
    t.column(target).push_text(q.get_text(3));
    t.column(every).push_int(q.get_int(4));
    t.column(assignee).push_text(q.is_null(5) ? "owner" : "user");
    t.column(assignee_id).push_opt(q.get_opt_int(5));
    t.column(title).push_text(q.get_text(6));
    t.column(open).push_int(q.get_int(7));
  }
  return t;
}

void Revisits::remove(const std::string& name) {
  ctx_.require_admin("remove revisit plans");
  db::Transaction tx(ctx_.db());
  auto p = find(ctx_, text::trim(name));
  if (!p) throw NotFound("revisit plan '" + name + "' does not exist");
  ctx_.db().prepare("DELETE FROM revisit_plans WHERE id = ?").bind_all(p->id).exec();
  history::record(ctx_, "revisit_plan", p->id, "deleted", p->name, std::nullopt);
  tx.commit();
}

RevisitRun Revisits::run(const std::optional<std::string>& name) {
  db::Transaction tx(ctx_.db());
  std::vector<RevisitPlan> plans;
  if (name) {
    auto p = find(ctx_, text::trim(*name));
    if (!p) throw NotFound("revisit plan '" + *name + "' does not exist");
    plans.push_back(*p);
  } else {
    auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns + " FROM revisit_plans p ORDER BY p.id");
    while (q.step()) plans.push_back(read(q));
  }
  const std::int64_t now = ctx_.now();
  RevisitRun out;
  for (const auto& p : plans) {
    std::vector<Value> params;
    std::string members = members_sql(ctx_, p, params);
    std::string scope = detail::customer_scope_sql(ctx_, "c.id", params);
    const std::int64_t since = now - p.every_days * kMillisPerDay;
    // Due: a member not contacted within the interval, with no open revisit task of this plan and
    // none created within the interval.
    std::string due = " FROM customers c JOIN customer_facts f ON f.customer_id = c.id WHERE c.id IN (" + members +
                      ") AND " + scope +
                      " AND (f.last_contact_at IS NULL OR f.last_contact_at <= ?) AND NOT EXISTS (SELECT 1 FROM tasks t "
                      "WHERE t.plan_id = ? AND t.customer_id = c.id AND (t.status = 'open' OR t.created_at > ?))";
    params.emplace_back(since);
    params.emplace_back(p.id);
    params.emplace_back(since);
    auto skipped = ctx_.db().prepare("SELECT count(*)" + due + " AND coalesce(?, c.owner_id) IS NULL");
    int k = detail::bind_params(skipped, params);
    skipped.bind(k, p.assignee_id);
    skipped.step();
    out.skipped_without_assignee += skipped.get_int(0);
    skipped.reset();

    auto ins = ctx_.db().prepare(
        "INSERT INTO tasks(customer_id, title, kind, due_at, all_day, assignee_id, status, plan_id, created_by, "
        "created_at, updated_at) SELECT c.id, ?, 'revisit', ?, 1, coalesce(?, c.owner_id), 'open', ?, ?, ?, ?" + due +
        " AND coalesce(?, c.owner_id) IS NOT NULL ORDER BY c.id RETURNING id, customer_id");
    ins.bind_all(p.title, ctx_.zone().start_of_day(now), p.assignee_id, p.id, ctx_.actor(), now, now);
    int j = 8;
    for (const auto& v : params) ins.bind(j++, v);
    ins.bind(j, p.assignee_id);
    const auto created =
        detail::task_changes(ctx_, ins, events::ChangeKind::Created, detail::kTaskCreatedFields);
    out.task_ids.insert(out.task_ids.end(), created.begin(), created.end());
  }
  tx.commit();
  log::logger().debug("revisits.run created={}", out.task_ids.size());
  return out;
}

}  // namespace crmkit::relationship
