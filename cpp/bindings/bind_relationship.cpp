// The customer relationship process: interactions, tasks, revisit plans, tickets, orders, the
// public pool and the derived facts.
#include "common.hpp"
#include "crmkit/crm.hpp"

namespace crmkit::bindings {
namespace {

using namespace relationship;

std::optional<std::int64_t> opt_id(const std::optional<Ref>& r) {
  return r ? std::optional<std::int64_t>(r->id) : std::nullopt;
}
std::optional<Timestamp> opt_time(const std::optional<TimeArg>& t, const std::string& field) {
  return t ? std::optional<Timestamp>(t->resolve(field)) : std::nullopt;
}
std::int64_t limit_of(const std::optional<std::int64_t>& limit) {
  if (!limit) return -1;
  if (*limit < 0) throw ValidationError("limit must not be negative", "limit");
  return *limit;
}

// A dict row (log_many / add_many) → the same arguments as the single call.
std::optional<py::object> item(const py::dict& row, const char* key) {
  if (!row.contains(key) || row[key].is_none()) return std::nullopt;
  return py::reinterpret_borrow<py::object>(row[key]);
}

InteractionInput interaction_input(Ref customer, const std::string& kind, std::optional<Ref> by,
                                   const std::string& summary, std::optional<TimeArg> at, std::optional<Ref> contact,
                                   std::optional<TimeArg> next_follow_up, std::optional<std::string> follow_up_title) {
  InteractionInput in;
  in.customer_id = customer.id;
  in.kind = kind;
  in.by = opt_id(by);
  in.summary = summary;
  in.at = opt_time(at, "at");
  in.contact_id = opt_id(contact);
  if (next_follow_up) {
    in.next_follow_up = next_follow_up->resolve("next_follow_up");
    in.follow_up_all_day = next_follow_up->is_date;
  }
  in.follow_up_title = std::move(follow_up_title);
  return in;
}

std::vector<OrderItem> order_items(const std::optional<py::iterable>& items, std::optional<std::int64_t> row) {
  std::vector<OrderItem> out;
  if (!items) return out;
  std::string prefix = row ? "row " + std::to_string(*row) + ": " : "";
  for (auto it : *items) {
    if (!py::isinstance<py::dict>(it))
      throw ValidationError(prefix + "items: each item must be a dict with sku, qty and price", "items", row);
    auto d = it.cast<py::dict>();
    OrderItem oi;
    try {
      oi.sku = d.contains("sku") ? py::str(d["sku"]).cast<std::string>() : "";
      oi.qty = d.contains("qty") ? d["qty"].cast<std::int64_t>() : 1;
      oi.price = d.contains("price") ? d["price"].cast<double>() : 0.0;
    } catch (const py::cast_error&) {
      throw ValidationError(prefix + "items: qty must be an integer and price a number", "items", row);
    }
    out.push_back(std::move(oi));
  }
  return out;
}

template <typename T>
T cast_field(const py::dict& row, const char* key, std::int64_t r) {
  try {
    return row[key].cast<T>();
  } catch (const py::cast_error&) {
    throw ValidationError("row " + std::to_string(r) + ": " + key + " has the wrong type", key, r);
  }
}

}  // namespace

void init_relationship(py::module_& m) {
  // ---- records ----
  auto interaction = py::class_<Interaction>(m, "Interaction", "One contact with a customer (沟通记录).")
                         .def_readonly("id", &Interaction::id)
                         .def_readonly("customer_id", &Interaction::customer_id)
                         .def_readonly("kind", &Interaction::kind)
                         .def_readonly("user_id", &Interaction::user_id)
                         .def_readonly("at", &Interaction::at)
                         .def_readonly("summary", &Interaction::summary)
                         .def_readonly("contact_id", &Interaction::contact_id)
                         .def_readonly("follow_up_task_id", &Interaction::follow_up_task_id)
                         .def_readonly("created_at", &Interaction::created_at);
  set_record_fields(interaction, {"id", "customer_id", "kind", "user_id", "at", "summary", "contact_id",
                                  "follow_up_task_id", "created_at"});

  auto task = py::class_<Task>(m, "Task", "A follow-up task or reminder (跟进提醒).")
                  .def_readonly("id", &Task::id)
                  .def_readonly("customer_id", &Task::customer_id)
                  .def_readonly("title", &Task::title)
                  .def_readonly("kind", &Task::kind)
                  .def_readonly("due_at", &Task::due_at)
                  .def_readonly("all_day", &Task::all_day)
                  .def_readonly("assignee_id", &Task::assignee_id)
                  .def_readonly("status", &Task::status)
                  .def_readonly("notes", &Task::notes)
                  .def_readonly("interaction_id", &Task::interaction_id)
                  .def_readonly("plan_id", &Task::plan_id)
                  .def_readonly("created_by", &Task::created_by)
                  .def_readonly("created_at", &Task::created_at)
                  .def_readonly("closed_at", &Task::closed_at)
                  .def_readonly("updated_at", &Task::updated_at)
                  .def_readonly("version", &Task::version);
  set_record_fields(task, {"id", "customer_id", "title", "kind", "due_at", "all_day", "assignee_id", "status", "notes",
                           "interaction_id", "plan_id", "created_by", "created_at", "closed_at", "updated_at",
                           "version"});

  auto plan = py::class_<RevisitPlan>(m, "RevisitPlan", "A periodic revisit plan (定期回访).")
                  .def_readonly("id", &RevisitPlan::id)
                  .def_readonly("name", &RevisitPlan::name)
                  .def_readonly("target_kind", &RevisitPlan::target_kind)
                  .def_readonly("target", &RevisitPlan::target)
                  .def_readonly("every_days", &RevisitPlan::every_days)
                  .def_readonly("assignee_id", &RevisitPlan::assignee_id)
                  .def_property_readonly("assignee",
                                         [](const RevisitPlan& p) -> py::object {
                                           if (p.assignee_id) return py::int_(*p.assignee_id);
                                           return py::str("owner");
                                         })
                  .def_readonly("title", &RevisitPlan::title)
                  .def_readonly("created_at", &RevisitPlan::created_at)
                  .def_readonly("updated_at", &RevisitPlan::updated_at)
                  .def_readonly("version", &RevisitPlan::version);
  set_record_fields(plan, {"id", "name", "target_kind", "target", "every_days", "assignee", "title", "created_at",
                           "updated_at", "version"});

  auto ticket = py::class_<Ticket>(m, "Ticket", "A service ticket (服务记录).")
                    .def_readonly("id", &Ticket::id)
                    .def_readonly("customer_id", &Ticket::customer_id)
                    .def_readonly("title", &Ticket::title)
                    .def_readonly("status", &Ticket::status)
                    .def_readonly("opened_by", &Ticket::opened_by)
                    .def_readonly("opened_at", &Ticket::opened_at)
                    .def_readonly("closed_by", &Ticket::closed_by)
                    .def_readonly("closed_at", &Ticket::closed_at)
                    .def_readonly("satisfaction", &Ticket::satisfaction)
                    .def_readonly("reopened", &Ticket::reopened)
                    .def_readonly("updated_at", &Ticket::updated_at)
                    .def_readonly("version", &Ticket::version);
  set_record_fields(ticket, {"id", "customer_id", "title", "status", "opened_by", "opened_at", "closed_by", "closed_at",
                             "satisfaction", "reopened", "updated_at", "version"});

  auto order_item = py::class_<OrderItem>(m, "OrderItem", "A line of an order.")
                        .def_readonly("sku", &OrderItem::sku)
                        .def_readonly("qty", &OrderItem::qty)
                        .def_readonly("price", &OrderItem::price);
  set_record_fields(order_item, {"sku", "qty", "price"});

  auto order = py::class_<Order>(m, "Order", "An order (成交/复购), or a refund (a negative order).")
                   .def_readonly("id", &Order::id)
                   .def_readonly("customer_id", &Order::customer_id)
                   .def_readonly("amount", &Order::amount)
                   .def_readonly("at", &Order::at)
                   .def_readonly("refund_of", &Order::refund_of)
                   .def_readonly("items", &Order::items)
                   .def_readonly("note", &Order::note)
                   .def_readonly("refunded", &Order::refunded)
                   .def_readonly("created_by", &Order::created_by)
                   .def_readonly("created_at", &Order::created_at);
  set_record_fields(order, {"id", "customer_id", "amount", "at", "refund_of", "items", "note", "refunded", "created_by",
                            "created_at"});

  auto rules = py::class_<PoolRules>(m, "PoolRules", "The public pool's rules (0 disables a rule).")
                   .def_readonly("idle_days", &PoolRules::idle_days)
                   .def_readonly("no_deal_days", &PoolRules::no_deal_days)
                   .def_readonly("warn_days", &PoolRules::warn_days)
                   .def_readonly("max_held_per_user", &PoolRules::max_held_per_user)
                   .def_readonly("max_claims_per_day", &PoolRules::max_claims_per_day)
                   .def_readonly("reclaim_cooldown_days", &PoolRules::reclaim_cooldown_days)
                   .def_readonly("exempt_won", &PoolRules::exempt_won);
  set_record_fields(rules, {"idle_days", "no_deal_days", "warn_days", "max_held_per_user", "max_claims_per_day",
                            "reclaim_cooldown_days", "exempt_won"});

  // ---- services ----
  py::class_<Interactions>(m, "Interactions", "crm.interactions: calls, visits, emails, wechat, meetings (沟通记录).")
      .def(
          "log",
          [](Interactions& s, Ref customer, const std::string& kind, std::optional<Ref> by, const std::string& summary,
             std::optional<TimeArg> at, std::optional<Ref> contact, std::optional<TimeArg> next_follow_up,
             std::optional<std::string> follow_up_title) {
            auto in = interaction_input(customer, kind, by, summary, at, contact, next_follow_up, follow_up_title);
            py::gil_scoped_release release;
            return s.log(in);
          },
          py::arg("customer"), py::arg("kind"), py::arg("by") = py::none(), py::arg("summary") = "",
          py::arg("at") = py::none(), py::arg("contact") = py::none(), py::arg("next_follow_up") = py::none(),
          py::arg("follow_up_title") = py::none(), Drain(),
          "Logs one interaction; `next_follow_up` creates a follow-up task for its author.")
      .def(
          "log_many",
          [](Interactions& s, py::iterable rows) {
            std::vector<InteractionInput> inputs;
            std::int64_t r = 0;
            for (auto row : rows) {
              if (!py::isinstance<py::dict>(row))
                throw ValidationError("row " + std::to_string(r) + ": each row must be a dict", "", r);
              auto d = row.cast<py::dict>();
              auto ref = [&](const char* key) -> std::optional<Ref> {
                auto v = item(d, key);
                if (!v) return std::nullopt;
                auto id = detail::id_of(*v);
                if (!id) throw ValidationError("row " + std::to_string(r) + ": " + key + " must be an id or a record", key, r);
                return Ref{*id};
              };
              auto time = [&](const char* key) { return item(d, key) ? std::optional(cast_field<TimeArg>(d, key, r)) : std::nullopt; };
              auto customer = ref("customer");
              if (!customer) throw ValidationError("row " + std::to_string(r) + ": customer is required", "customer", r);
              inputs.push_back(interaction_input(
                  *customer, item(d, "kind") ? cast_field<std::string>(d, "kind", r) : "", ref("by"),
                  item(d, "summary") ? cast_field<std::string>(d, "summary", r) : "", time("at"), ref("contact"),
                  time("next_follow_up"),
                  item(d, "follow_up_title") ? std::optional(cast_field<std::string>(d, "follow_up_title", r)) : std::nullopt));
              ++r;
            }
            py::gil_scoped_release release;
            return s.log_many(inputs);
          },
          py::arg("rows"), Drain(),
          "Logs many interactions (dicts with the arguments of log()) in one transaction; returns their ids.")
      .def("get", [](Interactions& s, Ref i) { return s.get(i.id); }, py::arg("interaction"), Release())
      .def("delete", [](Interactions& s, Ref i) { s.remove(i.id); }, py::arg("interaction"), Release())
      .def(
          "list",
          [](Interactions& s, std::optional<Ref> customer, std::optional<Ref> by, std::optional<TimeArg> since,
             std::optional<TimeArg> until, std::optional<std::int64_t> limit, std::int64_t offset) {
            InteractionQuery q;
            q.customer_id = opt_id(customer);
            q.by = opt_id(by);
            q.since = opt_time(since, "since");
            q.until = opt_time(until, "until");
            q.limit = limit_of(limit);
            q.offset = offset;
            py::gil_scoped_release release;
            return s.list(q);
          },
          py::arg("customer") = py::none(), py::arg("by") = py::none(), py::arg("since") = py::none(),
          py::arg("until") = py::none(), py::arg("limit") = 50, py::arg("offset") = 0, Drain(),
          "Interactions, newest first (a Table).");

  py::class_<Tasks>(m, "Tasks", "crm.tasks: follow-up tasks and reminders (跟进提醒).")
      .def(
          "add",
          [](Tasks& s, Ref customer, const std::string& title, const TimeArg& due, std::optional<Ref> assignee,
             std::optional<std::string> notes) {
            TaskInput in;
            in.customer_id = customer.id;
            in.title = title;
            in.due = due.resolve("due");
            in.all_day = due.is_date;
            in.assignee = opt_id(assignee);
            in.notes = notes;
            py::gil_scoped_release release;
            return s.add(in);
          },
          py::arg("customer"), py::arg("title"), py::arg("due"), py::arg("assignee") = py::none(),
          py::arg("notes") = py::none(), Drain(), "A task due at an instant, or on a date (overdue once that day ends).")
      .def("get", [](Tasks& s, Ref t) { return s.get(t.id); }, py::arg("task"), Release())
      .def("complete", [](Tasks& s, Ref t) { return s.complete(t.id); }, py::arg("task"), Release())
      .def("reassign", [](Tasks& s, Ref t, Ref to) { return s.reassign(t.id, to.id); }, py::arg("task"), py::arg("to"),
           Release())
      .def("cancel", [](Tasks& s, Ref t, std::optional<std::string> reason) { return s.cancel(t.id, reason); },
           py::arg("task"), py::arg("reason") = py::none(), Release())
      .def(
          "due",
          [](Tasks& s, std::optional<Ref> assignee, std::optional<TimeArg> before, std::optional<TimeArg> after) {
            auto b = opt_time(before, "before");
            auto a = opt_time(after, "after");
            py::gil_scoped_release release;
            return s.due(opt_id(assignee), b, a);
          },
          py::arg("assignee") = py::none(), py::arg("before") = py::none(), py::arg("after") = py::none(), Drain(),
          "Open tasks due before `before` (default: the end of today), soonest first.")
      .def(
          "overdue",
          [](Tasks& s, std::optional<Ref> assignee, std::optional<TimeArg> at) {
            auto t = opt_time(at, "at");
            py::gil_scoped_release release;
            return s.overdue(opt_id(assignee), t);
          },
          py::arg("assignee") = py::none(), py::arg("at") = py::none(), Drain(),
          "Open tasks past their deadline at `at` (default: now).")
      .def(
          "list",
          [](Tasks& s, std::optional<Ref> customer, std::optional<Ref> assignee, std::optional<std::string> status,
             std::optional<std::string> kind, std::optional<std::int64_t> limit, std::int64_t offset) {
            TaskQuery q;
            q.customer_id = opt_id(customer);
            q.assignee = opt_id(assignee);
            q.status = status;
            q.kind = kind;
            q.limit = limit_of(limit);
            q.offset = offset;
            py::gil_scoped_release release;
            return s.list(q);
          },
          py::arg("customer") = py::none(), py::arg("assignee") = py::none(), py::arg("status") = py::none(),
          py::arg("kind") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = 0, Drain());

  py::class_<Revisits>(m, "Revisits", "crm.revisits: periodic revisit plans (定期回访).")
      .def(
          "plan",
          [](Revisits& s, const std::string& name, std::optional<std::string> segment, std::optional<std::string> group,
             std::optional<std::string> tag, std::int64_t every_days, py::object assignee,
             std::optional<std::string> title) {
            RevisitPlanInput in;
            in.name = name;
            int targets = (segment ? 1 : 0) + (group ? 1 : 0) + (tag ? 1 : 0);
            if (targets != 1)
              throw ValidationError("target: a revisit plan names exactly one of segment, group or tag", "target");
            in.target_kind = segment ? "segment" : group ? "group" : "tag";
            in.target = segment ? *segment : group ? *group : *tag;
            in.every_days = every_days;
            if (!(py::isinstance<py::str>(assignee) && assignee.cast<std::string>() == "owner")) {
              auto id = detail::id_of(assignee);
              if (!id) throw ValidationError("assignee must be \"owner\" or a user", "assignee");
              in.assignee_id = *id;
            }
            in.title = title;
            py::gil_scoped_release release;
            return s.plan(in);
          },
          py::arg("name"), py::arg("segment") = py::none(), py::arg("group") = py::none(), py::arg("tag") = py::none(),
          py::arg("every_days") = 30, py::arg("assignee") = "owner", py::arg("title") = py::none(), Drain(),
          "Defines (or redefines) a plan over a segment, a group or a tag.")
      .def("get", &Revisits::get, py::arg("name"), Release())
      .def("list", &Revisits::list, Release())
      .def("delete", &Revisits::remove, py::arg("name"), Release())
      .def("run", [](Revisits& s, std::optional<std::string> name) { return s.run(name).task_ids; },
           py::arg("name") = py::none(), Release(),
           "Creates the revisit tasks that are due (idempotent); returns the new task ids.");

  py::class_<Tickets>(m, "Tickets", "crm.tickets: service tickets and satisfaction (服务记录).")
      .def(
          "open",
          [](Tickets& s, Ref customer, const std::string& title, std::optional<Ref> by, std::optional<std::string> note) {
            return s.open(customer.id, title, opt_id(by), note);
          },
          py::arg("customer"), py::arg("title"), py::arg("by") = py::none(), py::arg("note") = py::none(), Release())
      .def("note", [](Tickets& s, Ref t, const std::string& body, std::optional<Ref> by) { return s.note(t.id, body, opt_id(by)); },
           py::arg("ticket"), py::arg("body"), py::arg("by") = py::none(), Release())
      .def(
          "close",
          [](Tickets& s, Ref t, std::optional<std::int64_t> satisfaction, std::optional<Ref> by) {
            return s.close(t.id, satisfaction, opt_id(by));
          },
          py::arg("ticket"), py::arg("satisfaction") = py::none(), py::arg("by") = py::none(), Release())
      .def("reopen", [](Tickets& s, Ref t, std::optional<std::string> reason) { return s.reopen(t.id, reason); },
           py::arg("ticket"), py::arg("reason") = py::none(), Release())
      .def("get", [](Tickets& s, Ref t) { return s.get(t.id); }, py::arg("ticket"), Release())
      .def("delete", [](Tickets& s, Ref t) { s.remove(t.id); }, py::arg("ticket"), Release())
      .def("notes", [](Tickets& s, Ref t) { return s.notes(t.id); }, py::arg("ticket"), Release())
      .def(
          "list",
          [](Tickets& s, std::optional<Ref> customer, std::optional<std::string> status, std::optional<std::int64_t> limit,
             std::int64_t offset) { return s.list(opt_id(customer), status, limit_of(limit), offset); },
          py::arg("customer") = py::none(), py::arg("status") = py::none(), py::arg("limit") = py::none(),
          py::arg("offset") = 0, Release());

  py::class_<Orders>(m, "Orders", "crm.orders: orders, repeat purchases and refunds (成交/复购).")
      .def(
          "add",
          [](Orders& s, Ref customer, std::optional<double> amount, std::optional<TimeArg> at,
             std::optional<py::iterable> items, std::optional<std::string> note, std::optional<Ref> refund_of) {
            OrderInput in;
            in.customer_id = customer.id;
            in.amount = amount;
            in.at = opt_time(at, "at");
            in.items = order_items(items, std::nullopt);
            in.note = note;
            in.refund_of = opt_id(refund_of);
            py::gil_scoped_release release;
            return s.add(in);
          },
          py::arg("customer"), py::arg("amount") = py::none(), py::arg("at") = py::none(), py::arg("items") = py::none(),
          py::arg("note") = py::none(), py::arg("refund_of") = py::none(), Drain(),
          "Adds an order; items are dicts with sku, qty and price.")
      .def(
          "add_many",
          [](Orders& s, py::iterable rows) {
            std::vector<OrderInput> inputs;
            std::int64_t r = 0;
            for (auto row : rows) {
              if (!py::isinstance<py::dict>(row))
                throw ValidationError("row " + std::to_string(r) + ": each row must be a dict", "", r);
              auto d = row.cast<py::dict>();
              OrderInput in;
              auto customer = item(d, "customer");
              auto cid = customer ? detail::id_of(*customer) : std::nullopt;
              if (!cid) throw ValidationError("row " + std::to_string(r) + ": customer is required", "customer", r);
              in.customer_id = *cid;
              if (item(d, "amount")) in.amount = cast_field<double>(d, "amount", r);
              if (item(d, "at")) in.at = cast_field<TimeArg>(d, "at", r).resolve("at");
              if (auto its = item(d, "items")) in.items = order_items(py::iterable(*its), r);
              if (item(d, "note")) in.note = cast_field<std::string>(d, "note", r);
              if (auto ro = item(d, "refund_of")) in.refund_of = detail::id_of(*ro);
              inputs.push_back(std::move(in));
              ++r;
            }
            py::gil_scoped_release release;
            return s.add_many(inputs);
          },
          py::arg("rows"), Drain(), "Adds many orders (dicts with the arguments of add()) in one transaction.")
      .def(
          "refund",
          [](Orders& s, Ref o, std::optional<double> amount, std::optional<TimeArg> at, std::optional<std::string> note) {
            auto t = opt_time(at, "at");
            py::gil_scoped_release release;
            return s.refund(o.id, amount, t, note);
          },
          py::arg("order"), py::arg("amount") = py::none(), py::arg("at") = py::none(), py::arg("note") = py::none(),
          Drain(), "A negative order linked to `order` (default: all that remains of it).")
      .def("get", [](Orders& s, Ref o) { return s.get(o.id); }, py::arg("order"), Release())
      .def("delete", [](Orders& s, Ref o) { s.remove(o.id); }, py::arg("order"), Release())
      .def(
          "list",
          [](Orders& s, std::optional<Ref> customer, std::optional<std::int64_t> limit, std::int64_t offset) {
            return s.list(opt_id(customer), limit_of(limit), offset);
          },
          py::arg("customer") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = 0, Release());

  py::class_<Pool>(m, "Pool", "crm.pool: the public pool (公海) and its rules.")
      .def("release", [](Pool& s, Ref c, std::optional<std::string> reason) { s.release(c.id, reason); },
           py::arg("customer"), py::arg("reason") = py::none(), Release())
      .def("claim", [](Pool& s, Ref c, std::optional<Ref> by) { s.claim(c.id, opt_id(by)); }, py::arg("customer"),
           py::arg("by") = py::none(), Release())
      .def(
          "list", [](Pool& s, std::optional<std::int64_t> limit, std::int64_t offset) { return s.list(limit_of(limit), offset); },
          py::arg("limit") = py::none(), py::arg("offset") = 0, Release())
      .def("rules", &Pool::rules, Release())
      .def(
          "set_rules",
          [](Pool& s, std::optional<std::int64_t> idle_days, std::optional<std::int64_t> no_deal_days,
             std::optional<std::int64_t> warn_days, std::optional<std::int64_t> max_held_per_user,
             std::optional<std::int64_t> max_claims_per_day, std::optional<std::int64_t> reclaim_cooldown_days,
             std::optional<bool> exempt_won) {
            return s.set_rules({idle_days, no_deal_days, warn_days, max_held_per_user, max_claims_per_day,
                                reclaim_cooldown_days, exempt_won});
          },
          py::kw_only(), py::arg("idle_days") = py::none(), py::arg("no_deal_days") = py::none(),
          py::arg("warn_days") = py::none(), py::arg("max_held_per_user") = py::none(),
          py::arg("max_claims_per_day") = py::none(), py::arg("reclaim_cooldown_days") = py::none(),
          py::arg("exempt_won") = py::none(), Release(), "Changes the given rules (0 disables one); returns all rules.")
      .def(
          "preview",
          [](Pool& s, std::optional<TimeArg> at) {
            auto t = opt_time(at, "at");
            py::gil_scoped_release release;
            return s.preview(t);
          },
          py::arg("at") = py::none(), Drain(), "Who reclaim_idle() would return to the pool at `at`, and why.")
      .def("reclaim_idle", &Pool::reclaim_idle, Release(),
           "Returns idle customers to the pool (ids) and reminds owners warn_days ahead.");

  py::class_<Facts>(m, "Facts", "crm.facts: the derived per-customer facts.")
      .def("get", [](Facts& s, Ref c) { return s.get(c.id); }, py::arg("customer"), Release())
      .def("rebuild", &Facts::rebuild, Release(), "Recomputes every customer's facts; returns how many rows changed.")
      .def("check", &Facts::mismatches, Release(), "Customers whose stored facts differ from a recomputation.");
}

}  // namespace crmkit::bindings
