#include "crmkit/relationship/tasks.hpp"

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/events/emit.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

constexpr const char* kColumns =
    "t.id, t.customer_id, t.title, t.kind, t.due_at, t.all_day, t.assignee_id, t.status, t.notes, t.interaction_id, "
    "t.plan_id, t.created_by, t.created_at, t.closed_at, t.updated_at, t.version";

Task read(db::Stmt& q) {
  Task t;
  t.id = q.get_int(0);
  t.customer_id = q.get_int(1);
  t.title = q.get_text(2);
  t.kind = q.get_text(3);
  t.due_at = Timestamp{q.get_int(4)};
  t.all_day = q.get_int(5) != 0;
  t.assignee_id = q.get_opt_int(6);
  t.status = q.get_text(7);
  t.notes = q.get_opt_text(8);
  t.interaction_id = q.get_opt_int(9);
  t.plan_id = q.get_opt_int(10);
  t.created_by = q.get_opt_int(11);
  t.created_at = Timestamp{q.get_int(12)};
  if (auto c = q.get_opt_int(13)) t.closed_at = Timestamp{*c};
  t.updated_at = Timestamp{q.get_int(14)};
  t.version = q.get_int(15);
  return t;
}

// A task the principal may see: its customer is in scope, or it is assigned to the user.
std::string visible_sql(const Context& ctx, std::vector<Value>& params) {
  std::string w = detail::customer_scope_sql(ctx, "t.customer_id", params);
  if (w == "1") return w;
  params.emplace_back(*ctx.who->user_id);
  return "(" + w + " OR t.assignee_id = ?)";
}

std::optional<Task> load(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + " FROM tasks t WHERE t.id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return read(q);
}

// Loads a task the principal may act on (assigned to them, or its customer in scope).
Task load_for(const Context& ctx, std::int64_t id, const std::string& action) {
  auto t = load(ctx, id);
  if (!t) throw NotFound("task " + std::to_string(id) + " does not exist");
  bool mine = ctx.who->user_id && t->assignee_id == ctx.who->user_id;
  if (!mine) detail::require_customer(ctx, t->customer_id, action + " a task of");
  return *t;
}

void require_open(const Task& t, const std::string& action) {
  if (t.status != "open")
    throw ValidationError("status: task " + std::to_string(t.id) + " is " + t.status + "; only open tasks can be " +
                              action,
                          "status");
}

std::string opt_text(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : ""; }

void set_status(const Context& ctx, Task& t, const std::string& status, const std::optional<std::string>& reason) {
  history::record(ctx, "task", t.id, "status", t.status, status, reason);
  t.status = status;
  t.closed_at = Timestamp{ctx.now()};
  t.updated_at = Timestamp{ctx.now()};
  ++t.version;
  ctx.db()
      .prepare("UPDATE tasks SET status = ?, closed_at = ?, updated_at = ?, version = ? WHERE id = ?")
      .bind_all(t.status, t.closed_at->ms, t.updated_at.ms, t.version, t.id)
      .exec();
  events::emit(ctx, events::ChangeKind::Updated, "task", t.id, t.customer_id, {"closed_at", "status"});
}

Table to_table(db::Stmt& q) {
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto cust = t.add_column("customer_id", ColumnType::Int);
  auto cname = t.add_column("customer", ColumnType::Text);
  auto title = t.add_column("title", ColumnType::Text);
  auto kind = t.add_column("kind", ColumnType::Text);
  auto due = t.add_column("due_at", ColumnType::Time);
  auto all_day = t.add_column("all_day", ColumnType::Bool);
  auto assignee = t.add_column("assignee_id", ColumnType::Int);
  auto status = t.add_column("status", ColumnType::Text);
  auto notes = t.add_column("notes", ColumnType::Text);
  auto inter = t.add_column("interaction_id", ColumnType::Int);
  auto plan = t.add_column("plan_id", ColumnType::Int);
  auto created = t.add_column("created_at", ColumnType::Time);
  auto closed = t.add_column("closed_at", ColumnType::Time);
  auto version = t.add_column("version", ColumnType::Int);
  while (q.step()) {
    Task r = read(q);
    t.column(id).push_int(r.id);
    t.column(cust).push_int(r.customer_id);
    t.column(cname).push_text(q.get_text(16));
    t.column(title).push_text(r.title);
    t.column(kind).push_text(r.kind);
    t.column(due).push_int(r.due_at.ms);
    t.column(all_day).push_int(r.all_day);
    t.column(assignee).push_opt(r.assignee_id);
    t.column(status).push_text(r.status);
    t.column(notes).push_opt(r.notes);
    t.column(inter).push_opt(r.interaction_id);
    t.column(plan).push_opt(r.plan_id);
    t.column(created).push_int(r.created_at.ms);
    t.column(closed).push_opt(r.closed_at ? std::optional(r.closed_at->ms) : std::nullopt);
    t.column(version).push_int(r.version);
  }
  return t;
}

Table query_tasks(const Context& ctx, const std::string& extra, std::vector<Value> params, const std::string& order,
                  std::int64_t limit, std::int64_t offset) {
  std::vector<Value> all;
  std::string where = visible_sql(ctx, all);
  all.insert(all.end(), params.begin(), params.end());
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns +
                            ", c.name FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE " + where + extra +
                            " ORDER BY " + order + " LIMIT ? OFFSET ?");
  int k = detail::bind_params(q, all);
  q.bind(k, limit);
  q.bind(k + 1, offset);
  return to_table(q);
}

}  // namespace

Task Tasks::add(const TaskInput& input) {
  db::Transaction tx(ctx_.db());
  const std::int64_t now = ctx_.now();
  Task t;
  t.title = *text::clean(input.title, "title", text::kMaxName, true);
  auto owner = detail::require_customer(ctx_, input.customer_id, "add a task to");
  detail::check_due(ctx_.zone(), now, input.due, input.all_day, "due");
  t.customer_id = input.customer_id;
  t.due_at = input.due;
  t.all_day = input.all_day;
  if (input.assignee) {
    detail::require_user(ctx_, *input.assignee, "assignee");
    t.assignee_id = input.assignee;
  } else {
    t.assignee_id = ctx_.actor() ? ctx_.actor() : owner;
  }
  if (input.notes) t.notes = text::clean(*input.notes, "notes", text::kMaxLong, false);
  t.created_by = ctx_.actor();
  t.created_at = t.updated_at = Timestamp{now};
  t.id = detail::insert_task(ctx_, t);
  tx.commit();
  log::logger().debug("tasks.add id={} customer={}", t.id, t.customer_id);
  return t;
}

Task Tasks::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  return load_for(ctx_, id, "read");
}

Task Tasks::complete(std::int64_t id) {
  db::Transaction tx(ctx_.db());
  Task t = load_for(ctx_, id, "complete");
  require_open(t, "completed");
  set_status(ctx_, t, "done", std::nullopt);
  tx.commit();
  return t;
}

Task Tasks::cancel(std::int64_t id, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  Task t = load_for(ctx_, id, "cancel");
  require_open(t, "cancelled");
  std::optional<std::string> why;
  if (reason) why = text::clean(*reason, "reason", text::kMaxLong, false);
  set_status(ctx_, t, "cancelled", why);
  tx.commit();
  return t;
}

Task Tasks::reassign(std::int64_t id, std::int64_t to) {
  db::Transaction tx(ctx_.db());
  Task t = load_for(ctx_, id, "reassign");
  require_open(t, "reassigned");
  detail::require_user(ctx_, to, "to");
  // A scoped view hands tasks only to users whose customers it covers (itself, its team, ...).
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && !ctx_.who->covers("customers", to))
    throw PermissionDenied(detail::describe(ctx_) + " may not assign tasks to user " + std::to_string(to));
  if (t.assignee_id != to) {
    history::record(ctx_, "task", t.id, "assignee_id", opt_text(t.assignee_id), std::to_string(to));
    t.assignee_id = to;
    t.updated_at = Timestamp{ctx_.now()};
    ++t.version;
    ctx_.db()
        .prepare("UPDATE tasks SET assignee_id = ?, updated_at = ?, version = ? WHERE id = ?")
        .bind_all(to, t.updated_at.ms, t.version, t.id)
        .exec();
    events::emit(ctx_, events::ChangeKind::Updated, "task", t.id, t.customer_id, {"assignee_id"});
  }
  tx.commit();
  return t;
}

Table Tasks::due(std::optional<std::int64_t> assignee, std::optional<Timestamp> before,
                 std::optional<Timestamp> after) const {
  db::Transaction tx(ctx_.db(), false);
  std::int64_t end = before ? before->ms : ctx_.zone().start_of_next_day(ctx_.now());  // the end of today
  std::string extra = " AND t.status = 'open' AND t.due_at < ?";
  std::vector<Value> params{Value{end}};
  if (after) {
    extra += " AND t.due_at >= ?";
    params.emplace_back(after->ms);
  }
  if (assignee) {
    extra += " AND t.assignee_id = ?";
    params.emplace_back(*assignee);
  }
  return query_tasks(ctx_, extra, params, "t.due_at, t.id", -1, 0);
}

Table Tasks::overdue(std::optional<std::int64_t> assignee, std::optional<Timestamp> at) const {
  db::Transaction tx(ctx_.db(), false);
  std::int64_t now = at ? at->ms : ctx_.now();
  // The index on (status, due_at) narrows to tasks due before now; an all-day task is stored as
  // the instant its local day begins, so its day is over once it began before today did. (Not
  // due_at + 24 h: a local day is 23 or 25 hours long where clocks change.)
  std::string extra = " AND t.status = 'open' AND t.due_at < ? AND (t.all_day = 0 OR t.due_at < ?)";
  std::vector<Value> params{Value{now}, Value{ctx_.zone().start_of_day(now)}};
  if (assignee) {
    extra += " AND t.assignee_id = ?";
    params.emplace_back(*assignee);
  }
  return query_tasks(ctx_, extra, params, "t.due_at, t.id", -1, 0);
}

Table Tasks::list(const TaskQuery& query) const {
  paging::check(query.limit, query.offset);
  db::Transaction tx(ctx_.db(), false);
  std::string extra;
  std::vector<Value> params;
  if (query.assignee) {
    extra += " AND t.assignee_id = ?";
    params.emplace_back(*query.assignee);
  }
  if (query.customer_id) {
    extra += " AND t.customer_id = ?";
    params.emplace_back(*query.customer_id);
  }
  if (query.status) {
    if (*query.status != "open" && *query.status != "done" && *query.status != "cancelled")
      throw ValidationError("status: '" + *query.status + "' is not a task status (open, done, cancelled)", "status");
    extra += " AND t.status = ?";
    params.emplace_back(*query.status);
  }
  if (query.kind) {
    extra += " AND t.kind = ?";
    params.emplace_back(*query.kind);
  }
  if (query.after) {
    extra += " AND t.due_at >= ?";
    params.emplace_back(query.after->ms);
  }
  if (query.before) {
    extra += " AND t.due_at < ?";
    params.emplace_back(query.before->ms);
  }
  return query_tasks(ctx_, extra, params, "t.due_at, t.id", query.limit, query.offset);
}

void rezone_all_day_tasks(const Context& ctx, const TimeZone& from, const TimeZone& to) {
  if (from == to) return;
  // Every all-day task moves from the start of its date in `from` to the start of the same date
  // in `to`. Few distinct dates exist, so each is one UPDATE over the rows of that instant.
  std::vector<std::int64_t> starts;
  {
    auto q = ctx.db().prepare("SELECT DISTINCT due_at FROM tasks WHERE all_day = 1");
    while (q.step()) starts.push_back(q.get_int(0));
  }
  if (starts.empty()) return;
  // Rewritten through a temporary map so that a new instant equal to another date's old one is
  // never updated twice.
  db::ScratchTable map(ctx.db(), "rezone_map", "(old_at INTEGER PRIMARY KEY, new_at INTEGER NOT NULL)");
  auto ins = ctx.db().prepare("INSERT INTO " + map.name() + "(old_at, new_at) VALUES (?, ?)");
  for (auto at : starts) {
    ins.bind_all(at, to.start_of(from.date_of(at)));
    ins.exec();
    ins.reset();
  }
  auto moved = ctx.db().prepare(
      "UPDATE tasks SET due_at = (SELECT m.new_at FROM " + map.name() + " m WHERE m.old_at = tasks.due_at) "
      "WHERE all_day = 1 RETURNING id, customer_id");
  detail::task_changes(ctx, moved, events::ChangeKind::Updated, {"due_at"});
  map.clear();
}

}  // namespace crmkit::relationship
