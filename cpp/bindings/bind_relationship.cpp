// The customer relationship process: interactions, tasks, revisit plans, tickets, orders, the
// public pool and the derived facts.
#include "common.hpp"
#include "crmkit/crm.hpp"

namespace crmkit::bindings {
namespace {

using namespace relationship;

InteractionInput interaction_input(const TimeZone& zone, Ref customer, const std::string& kind, std::optional<Ref> by,
                                   const std::string& summary, std::optional<TimeArg> at, std::optional<Ref> contact,
                                   std::optional<TimeArg> next_follow_up, std::optional<std::string> follow_up_title) {
  InteractionInput in;
  in.customer_id = customer.id;
  in.kind = kind;
  in.by = opt_id(by);
  in.summary = summary;
  in.at = opt_time(at, "at", zone);
  in.contact_id = opt_id(contact);
  if (next_follow_up) {
    in.next_follow_up = next_follow_up->resolve("next_follow_up", zone);
    in.follow_up_all_day = next_follow_up->is_date;
  }
  in.follow_up_title = std::move(follow_up_title);
  return in;
}

// The items of an order (None: none), each a dict with sku, qty and price.
std::vector<OrderItem> order_items(py::handle items, std::optional<std::int64_t> row) {
  std::vector<OrderItem> out;
  if (!items || items.is_none()) return out;
  std::string prefix = row_prefix(row);
  if (!py::isinstance<py::iterable>(items) || py::isinstance<py::str>(items) || py::isinstance<py::dict>(items))
    throw ValidationError(prefix + "items must be a list of dicts with sku, qty and price", "items", row);
  for (auto it : items) {
    if (!py::isinstance<py::dict>(it))
      throw ValidationError(prefix + "items: each item must be a dict with sku, qty and price", "items", row);
    auto d = it.cast<py::dict>();
    OrderItem oi;
    try {
      oi.sku = d.contains("sku") ? py::str(d["sku"]).cast<std::string>() : "";
      oi.qty = d.contains("qty") ? d["qty"].cast<std::int64_t>() : 1;
      oi.price = d.contains("price") ? d["price"].cast<double>() : 0.0;
    } catch (const std::exception&) {  // pybind11's cast_error or the caster's ValidationError
      throw ValidationError(prefix + "items: qty must be an integer and price a number", "items", row);
    }
    out.push_back(std::move(oi));
  }
  return out;
}

}  // namespace

void init_relationship(py::module_& m) {
  // ---- records ----
  Record<Interaction>(m, "Interaction", "One contact with a customer (沟通记录).")
      .field("id", &Interaction::id)
      .field("customer_id", &Interaction::customer_id)
      .field("kind", &Interaction::kind)
      .field("user_id", &Interaction::user_id)
      .field("at", &Interaction::at)
      .field("summary", &Interaction::summary)
      .field("contact_id", &Interaction::contact_id)
      .field("follow_up_task_id", &Interaction::follow_up_task_id)
      .field("created_at", &Interaction::created_at);

  Record<Task>(m, "Task", "A follow-up task or reminder (跟进提醒).")
      .field("id", &Task::id)
      .field("customer_id", &Task::customer_id)
      .field("title", &Task::title)
      .field("kind", &Task::kind)
      .field("due_at", &Task::due_at)
      .field("all_day", &Task::all_day)
      .field("assignee_id", &Task::assignee_id)
      .field("status", &Task::status)
      .field("notes", &Task::notes)
      .field("interaction_id", &Task::interaction_id)
      .field("plan_id", &Task::plan_id)
      .field("created_by", &Task::created_by)
      .field("created_at", &Task::created_at)
      .field("closed_at", &Task::closed_at)
      .field("updated_at", &Task::updated_at)
      .field("version", &Task::version);

  Record<RevisitPlan>(m, "RevisitPlan", "A periodic revisit plan (定期回访).")
      .field("id", &RevisitPlan::id)
      .field("name", &RevisitPlan::name)
      .field("target_kind", &RevisitPlan::target_kind)
      .field("target", &RevisitPlan::target)
      .field("every_days", &RevisitPlan::every_days)
      .extra_member("assignee_id", &RevisitPlan::assignee_id)
      .computed("assignee",
                [](const RevisitPlan& p) -> py::object {
                  if (p.assignee_id) return py::int_(*p.assignee_id);
                  return py::str("owner");
                })
      .field("title", &RevisitPlan::title)
      .field("created_at", &RevisitPlan::created_at)
      .field("updated_at", &RevisitPlan::updated_at)
      .field("version", &RevisitPlan::version);

  Record<Ticket>(m, "Ticket", "A service ticket (服务记录).")
      .field("id", &Ticket::id)
      .field("customer_id", &Ticket::customer_id)
      .field("title", &Ticket::title)
      .field("status", &Ticket::status)
      .field("opened_by", &Ticket::opened_by)
      .field("opened_at", &Ticket::opened_at)
      .field("closed_by", &Ticket::closed_by)
      .field("closed_at", &Ticket::closed_at)
      .field("satisfaction", &Ticket::satisfaction)
      .field("reopened", &Ticket::reopened)
      .field("updated_at", &Ticket::updated_at)
      .field("version", &Ticket::version);

  Record<OrderItem>(m, "OrderItem", "A line of an order.")
      .field("sku", &OrderItem::sku)
      .field("qty", &OrderItem::qty)
      .field("price", &OrderItem::price);

  Record<Order>(m, "Order", "An order (成交/复购), or a refund (a negative order).")
      .field("id", &Order::id)
      .field("customer_id", &Order::customer_id)
      .field("amount", &Order::amount)
      .field("at", &Order::at)
      .field("refund_of", &Order::refund_of)
      .field("items", &Order::items)
      .field("note", &Order::note)
      .field("refunded", &Order::refunded)
      .field("created_by", &Order::created_by)
      .field("created_at", &Order::created_at);

  Record<PoolRules>(m, "PoolRules", "The public pool's rules (0 disables a rule).")
      .field("idle_days", &PoolRules::idle_days)
      .field("no_deal_days", &PoolRules::no_deal_days)
      .field("warn_days", &PoolRules::warn_days)
      .field("max_held_per_user", &PoolRules::max_held_per_user)
      .field("max_claims_per_day", &PoolRules::max_claims_per_day)
      .field("reclaim_cooldown_days", &PoolRules::reclaim_cooldown_days)
      .field("exempt_won", &PoolRules::exempt_won);

  // ---- services ----
  py::class_<Interactions>(m, "Interactions", "crm.interactions: calls, visits, emails, wechat, meetings (沟通记录).")
      .def(
          "log",
          [](Interactions& s, Ref customer, const std::string& kind, std::optional<Ref> by, const std::string& summary,
             std::optional<TimeArg> at, std::optional<Ref> contact, std::optional<TimeArg> next_follow_up,
             std::optional<std::string> follow_up_title) {
            auto in = interaction_input(s.zone(), customer, kind, by, summary, at, contact, next_follow_up, follow_up_title);
            py::gil_scoped_release release;
            return s.log(in);
          },
          py::arg("customer"), py::arg("kind"), py::arg("by") = py::none(), py::arg("summary") = "",
          py::arg("at") = py::none(), py::arg("contact") = py::none(), py::arg("next_follow_up") = py::none(),
          py::arg("follow_up_title") = py::none(), Drain(),
          "Logs one interaction (call, visit, email, wechat, meeting, ...) with a customer; `next_follow_up` "
          "also creates a follow-up task for its author. Returns the Interaction. Raises NotFound for an "
          "unknown customer, contact or user, ValidationError for an unknown kind or a bad time, "
          "PermissionDenied outside the view's scope.")
      .def(
          "log_many",
          [](Interactions& s, Iterable rows) {
            const TimeZone zone = s.zone();
            std::vector<InteractionInput> inputs;
            std::int64_t r = 0;
            for (auto row : rows.items) {
              auto d = row_dict(row, r);
              inputs.push_back(interaction_input(
                  zone, required_ref_field(d, "customer", r), opt_field<std::string>(d, "kind", r).value_or(""),
                  ref_field(d, "by", r), opt_field<std::string>(d, "summary", r).value_or(""),
                  opt_field<TimeArg>(d, "at", r), ref_field(d, "contact", r), opt_field<TimeArg>(d, "next_follow_up", r),
                  opt_field<std::string>(d, "follow_up_title", r)));
              ++r;
            }
            py::gil_scoped_release release;
            return s.log_many(inputs);
          },
          py::arg("rows"), Drain(),
          "Logs many interactions (dicts with the arguments of log()) in one transaction, all or nothing. "
          "Returns their ids. Raises ValidationError naming the row and field of the first bad row (nothing is "
          "written).")
      .def("get", [](Interactions& s, Ref i) { return s.get(i.id); }, py::arg("interaction"), Release(),
          "Returns the Interaction. Raises NotFound for an unknown id or one outside the view's scope.")
      .def("delete", [](Interactions& s, Ref i) { s.remove(i.id); }, py::arg("interaction"), Release(),
          "Deletes an interaction (the customer's facts are recomputed). Returns None. Raises NotFound, "
          "PermissionDenied outside the view's scope.")
      .def(
          "list",
          [](Interactions& s, std::optional<Ref> customer, std::optional<Ref> by, std::optional<TimeArg> since,
             std::optional<TimeArg> until, std::optional<Integer> limit, Integer offset) {
            InteractionQuery q;
            q.customer_id = opt_id(customer);
            q.by = opt_id(by);
            q.since = opt_time(since, "since", s.zone());
            q.until = opt_time(until, "until", s.zone());
            q.limit = limit_arg(limit);
            q.offset = offset.value;
            py::gil_scoped_release release;
            return s.list(q);
          },
          py::arg("customer") = py::none(), py::arg("by") = py::none(), py::arg("since") = py::none(),
          py::arg("until") = py::none(), py::arg("limit") = Integer{50}, py::arg("offset") = Integer{0}, Drain(),
          "Interactions, newest first, filtered by customer, author and time window. Returns a Table. Raises "
          "ValidationError for a bad time or limit.");

  py::class_<Tasks>(m, "Tasks", "crm.tasks: follow-up tasks and reminders (跟进提醒).")
      .def(
          "add",
          [](Tasks& s, Ref customer, const std::string& title, const TimeArg& due, std::optional<Ref> assignee,
             std::optional<std::string> notes) {
            TaskInput in;
            in.customer_id = customer.id;
            in.title = title;
            in.due = due.resolve("due", s.zone());
            in.all_day = due.is_date;
            in.assignee = opt_id(assignee);
            in.notes = notes;
            py::gil_scoped_release release;
            return s.add(in);
          },
          py::arg("customer"), py::arg("title"), py::arg("due"), py::arg("assignee") = py::none(),
          py::arg("notes") = py::none(), Drain(), "A task due at an instant, or on a date (then overdue once that day ends). Returns the Task. Raises "
                                                  "NotFound for an unknown customer or assignee, ValidationError for an empty title or a bad time, "
                                                  "PermissionDenied outside the view's scope.")
      .def("get", [](Tasks& s, Ref t) { return s.get(t.id); }, py::arg("task"), Release(),
          "Returns the Task. Raises NotFound for an unknown id or one outside the view's scope.")
      .def("complete", [](Tasks& s, Ref t) { return s.complete(t.id); }, py::arg("task"), Release(),
          "Marks a task done. Returns the updated Task. Raises NotFound, ValidationError when it is not open.")
      .def("reassign", [](Tasks& s, Ref t, Ref to) { return s.reassign(t.id, to.id); }, py::arg("task"), py::arg("to"),
           Release(),
          "Gives a task to another user. Returns the updated Task. Raises NotFound for an unknown task or user, "
          "ValidationError when it is not open, PermissionDenied when the view may not assign tasks to that "
          "user.")
      .def("cancel", [](Tasks& s, Ref t, std::optional<std::string> reason) { return s.cancel(t.id, reason); },
           py::arg("task"), py::arg("reason") = py::none(), Release(),
          "Cancels an open task, with an optional reason. Returns the updated Task. Raises NotFound, "
          "ValidationError when it is not open.")
      .def(
          "due",
          [](Tasks& s, std::optional<Ref> assignee, std::optional<TimeArg> before, std::optional<TimeArg> after) {
            auto b = opt_time(before, "before", s.zone());
            auto a = opt_time(after, "after", s.zone());
            py::gil_scoped_release release;
            return s.due(opt_id(assignee), b, a);
          },
          py::arg("assignee") = py::none(), py::arg("before") = py::none(), py::arg("after") = py::none(), Drain(),
          "Open tasks due before `before` (default: the end of today) and after `after`, soonest first. Returns "
          "a Table. Raises ValidationError for a bad time, NotFound for an unknown assignee.")
      .def(
          "overdue",
          [](Tasks& s, std::optional<Ref> assignee, std::optional<TimeArg> at) {
            auto t = opt_time(at, "at", s.zone());
            py::gil_scoped_release release;
            return s.overdue(opt_id(assignee), t);
          },
          py::arg("assignee") = py::none(), py::arg("at") = py::none(), Drain(),
          "Open tasks past their deadline at `at` (default: now). Returns a Table. Raises ValidationError for a "
          "bad time.")
      .def(
          "list",
          [](Tasks& s, std::optional<Ref> customer, std::optional<Ref> assignee, std::optional<std::string> status,
             std::optional<std::string> kind, std::optional<Integer> limit, Integer offset) {
            TaskQuery q;
            q.customer_id = opt_id(customer);
            q.assignee = opt_id(assignee);
            q.status = status;
            q.kind = kind;
            q.limit = limit_arg(limit);
            q.offset = offset.value;
            py::gil_scoped_release release;
            return s.list(q);
          },
          py::arg("customer") = py::none(), py::arg("assignee") = py::none(), py::arg("status") = py::none(),
          py::arg("kind") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Drain(),
          "Tasks filtered by customer, assignee, status (open, done, cancelled) and kind. Returns a Table. "
          "Raises ValidationError for an unknown status or a bad limit.");

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
          "Defines (or redefines) a plan that gives every customer of one segment, group or tag a revisit task "
          "every `every_days` days, assigned to the customer's owner or a user. Returns the RevisitPlan. Raises "
          "ValidationError unless exactly one target is named or for a bad interval, NotFound for an unknown "
          "target or user.")
      .def("get", &Revisits::get, py::arg("name"), Release(),
          "Returns the RevisitPlan with this name. Raises NotFound for an unknown plan.")
      .def("list", &Revisits::list, Release(),
          "Returns the revisit plans as a Table. Raises nothing.")
      .def("delete", &Revisits::remove, py::arg("name"), Release(),
          "Deletes a revisit plan (its tasks stay). Returns None. Raises NotFound for an unknown plan.")
      .def("run", [](Revisits& s, std::optional<std::string> name) { return s.run(name).task_ids; },
           py::arg("name") = py::none(), Release(),
           "Creates the revisit tasks that are due, of one plan or all (idempotent). Returns the new task ids. "
           "Raises NotFound for an unknown plan.");

  py::class_<Tickets>(m, "Tickets", "crm.tickets: service tickets and satisfaction (服务记录).")
      .def(
          "open",
          [](Tickets& s, Ref customer, const std::string& title, std::optional<Ref> by, std::optional<std::string> note) {
            return s.open(customer.id, title, opt_id(by), note);
          },
          py::arg("customer"), py::arg("title"), py::arg("by") = py::none(), py::arg("note") = py::none(), Release(),
          "Opens a service ticket for a customer, with an optional first note. Returns the Ticket. Raises "
          "NotFound for an unknown customer, ValidationError for an empty title, PermissionDenied outside the "
          "view's scope.")
      .def("note", [](Tickets& s, Ref t, const std::string& body, std::optional<Ref> by) { return s.note(t.id, body, opt_id(by)); },
           py::arg("ticket"), py::arg("body"), py::arg("by") = py::none(), Release(),
          "Adds a note to a ticket. Returns the note's id. Raises NotFound, ValidationError for an empty body.")
      .def(
          "close",
          [](Tickets& s, Ref t, std::optional<std::int64_t> satisfaction, std::optional<Ref> by) {
            return s.close(t.id, satisfaction, opt_id(by));
          },
          py::arg("ticket"), py::arg("satisfaction") = py::none(), py::arg("by") = py::none(), Release(),
          "Closes a ticket with an optional satisfaction score (1-5). Returns the updated Ticket. Raises "
          "NotFound, ValidationError for a score outside 1-5 or a ticket already closed.")
      .def("reopen", [](Tickets& s, Ref t, std::optional<std::string> reason) { return s.reopen(t.id, reason); },
           py::arg("ticket"), py::arg("reason") = py::none(), Release(),
          "Reopens a closed ticket. Returns the updated Ticket. Raises NotFound, ValidationError when it is "
          "open.")
      .def("get", [](Tickets& s, Ref t) { return s.get(t.id); }, py::arg("ticket"), Release(),
          "Returns the Ticket. Raises NotFound for an unknown id or one outside the view's scope.")
      .def("delete", [](Tickets& s, Ref t) { s.remove(t.id); }, py::arg("ticket"), Release(),
          "Deletes a ticket and its notes. Returns None. Raises NotFound, PermissionDenied outside the view's "
          "scope.")
      .def("notes", [](Tickets& s, Ref t) { return s.notes(t.id); }, py::arg("ticket"), Release(),
          "Returns the notes of a ticket as a Table, oldest first. Raises NotFound.")
      .def(
          "list",
          [](Tickets& s, std::optional<Ref> customer, std::optional<std::string> status, std::optional<Integer> limit,
             Integer offset) { return s.list(opt_id(customer), status, limit_arg(limit), offset.value); },
          py::arg("customer") = py::none(), py::arg("status") = py::none(), py::arg("limit") = py::none(),
          py::arg("offset") = Integer{0}, Release(),
          "Tickets filtered by customer and status (open, closed). Returns a Table. Raises ValidationError for "
          "an unknown status or a bad limit.");

  py::class_<Orders>(m, "Orders", "crm.orders: orders, repeat purchases and refunds (成交/复购).")
      .def(
          "add",
          [](Orders& s, Ref customer, std::optional<double> amount, std::optional<TimeArg> at,
             std::optional<Iterable> items, std::optional<std::string> note, std::optional<Ref> refund_of) {
            OrderInput in;
            in.customer_id = customer.id;
            in.amount = amount;
            in.at = opt_time(at, "at", s.zone());
            if (items) in.items = order_items(items->items, std::nullopt);
            in.note = note;
            in.refund_of = opt_id(refund_of);
            py::gil_scoped_release release;
            return s.add(in);
          },
          py::arg("customer"), py::arg("amount") = py::none(), py::arg("at") = py::none(), py::arg("items") = py::none(),
          py::arg("note") = py::none(), py::arg("refund_of") = py::none(), Drain(),
          "Adds an order (or with `refund_of`, a refund) at `at` (default: now); `amount` defaults to the sum "
          "of the items (dicts with sku, qty and price). Returns the Order. Raises NotFound for an unknown "
          "customer or order, ValidationError for a missing or bad amount or item, PermissionDenied outside the "
          "view's scope.")
      .def(
          "add_many",
          [](Orders& s, Iterable rows) {
            std::vector<OrderInput> inputs;
            std::int64_t r = 0;
            for (auto row : rows.items) {
              auto d = row_dict(row, r);
              OrderInput in;
              in.customer_id = required_ref_field(d, "customer", r).id;
              in.amount = opt_field<double>(d, "amount", r);
              in.at = opt_time(opt_field<TimeArg>(d, "at", r), "at", s.zone());
              if (auto its = item(d, "items")) in.items = order_items(*its, r);
              in.note = opt_field<std::string>(d, "note", r);
              in.refund_of = opt_id(ref_field(d, "refund_of", r));
              inputs.push_back(std::move(in));
              ++r;
            }
            py::gil_scoped_release release;
            return s.add_many(inputs);
          },
          py::arg("rows"), Drain(), "Adds many orders (dicts with the arguments of add()) in one transaction, all or nothing. Returns "
                                    "their ids. Raises ValidationError naming the row and field of the first bad row (nothing is "
                                    "written).")
      .def(
          "refund",
          [](Orders& s, Ref o, std::optional<double> amount, std::optional<TimeArg> at, std::optional<std::string> note) {
            auto t = opt_time(at, "at", s.zone());
            py::gil_scoped_release release;
            return s.refund(o.id, amount, t, note);
          },
          py::arg("order"), py::arg("amount") = py::none(), py::arg("at") = py::none(), py::arg("note") = py::none(),
          Drain(), "A negative order linked to `order` (default amount: all that remains of it). Returns the refund "
                   "Order. Raises NotFound, ValidationError when the refund exceeds what remains.")
      .def("get", [](Orders& s, Ref o) { return s.get(o.id); }, py::arg("order"), Release(),
          "Returns the Order with its items. Raises NotFound for an unknown id or one outside the view's scope.")
      .def("delete", [](Orders& s, Ref o) { s.remove(o.id); }, py::arg("order"), Release(),
          "Deletes an order (the customer's facts are recomputed). Returns None. Raises NotFound, "
          "PermissionDenied outside the view's scope.")
      .def(
          "list",
          [](Orders& s, std::optional<Ref> customer, std::optional<Integer> limit, Integer offset) {
            return s.list(opt_id(customer), limit_arg(limit), offset.value);
          },
          py::arg("customer") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Orders, of one customer or all visible ones, newest first. Returns a Table. Raises ValidationError "
          "for a bad limit.");

  py::class_<Pool>(m, "Pool", "crm.pool: the public pool (公海) and its rules.")
      .def("release", [](Pool& s, Ref c, std::optional<std::string> reason) { s.release(c.id, reason); },
           py::arg("customer"), py::arg("reason") = py::none(), Release(),
          "Returns a customer to the public pool (unowned), with an optional reason. Returns None. Raises "
          "NotFound, Conflict when it is in the pool already, PermissionDenied outside the view's scope.")
      .def("claim", [](Pool& s, Ref c, std::optional<Ref> by) { s.claim(c.id, opt_id(by)); }, py::arg("customer"),
           py::arg("by") = py::none(), Release(),
          "Takes a pool customer for `by` (default: the view's user). Returns None. Raises NotFound, Conflict "
          "when someone owns it, ValidationError naming the rule when a quota (max_held_per_user, "
          "max_claims_per_day, reclaim_cooldown_days) forbids it, PermissionDenied when the view may not claim "
          "for `by`.")
      .def(
          "list", [](Pool& s, std::optional<Integer> limit, Integer offset) { return s.list(limit_arg(limit), offset.value); },
          py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Returns the customers in the pool as a Table. Raises ValidationError for a bad limit.")
      .def("rules", &Pool::rules, Release(),
          "Returns the pool's PoolRules. Raises nothing.")
      .def(
          "set_rules",
          [](Pool& s, std::optional<std::int64_t> idle_days, std::optional<std::int64_t> no_deal_days,
             std::optional<std::int64_t> warn_days, std::optional<std::int64_t> max_held_per_user,
             std::optional<std::int64_t> max_claims_per_day, std::optional<std::int64_t> reclaim_cooldown_days,
             std::optional<Flag> exempt_won) {
            return s.set_rules({idle_days, no_deal_days, warn_days, max_held_per_user, max_claims_per_day,
                                reclaim_cooldown_days, opt_flag(exempt_won)});
          },
          py::kw_only(), py::arg("idle_days") = py::none(), py::arg("no_deal_days") = py::none(),
          py::arg("warn_days") = py::none(), py::arg("max_held_per_user") = py::none(),
          py::arg("max_claims_per_day") = py::none(), py::arg("reclaim_cooldown_days") = py::none(),
          py::arg("exempt_won") = py::none(), Release(), "Changes the given rules (0 disables one). Returns all the PoolRules. Raises ValidationError for a "
                                                         "negative value, PermissionDenied unless the view administers.")
      .def(
          "preview",
          [](Pool& s, std::optional<TimeArg> at) {
            auto t = opt_time(at, "at", s.zone());
            py::gil_scoped_release release;
            return s.preview(t);
          },
          py::arg("at") = py::none(), Drain(), "Who reclaim_idle() would return to the pool at `at` (default: now), and why; writes nothing. Returns "
                                               "a Table. Raises ValidationError for a bad time.")
      .def("reclaim_idle", &Pool::reclaim_idle, Release(),
           "Returns idle customers to the pool and reminds owners warn_days ahead. Returns the ids returned to "
           "the pool. Raises nothing for an empty pool.");

  py::class_<Facts>(m, "Facts", "crm.facts: the derived per-customer facts.")
      .def("get", [](Facts& s, Ref c) { return s.get(c.id); }, py::arg("customer"), Release(),
          "Returns a customer's CustomerFacts. Raises NotFound for an unknown or invisible customer.")
      .def("rebuild", &Facts::rebuild, Release(), "Recomputes every customer's facts. Returns how many rows changed. Raises nothing.")
      .def("check", &Facts::mismatches, Release(), "Returns the ids of customers whose stored facts differ from a recomputation ([] when consistent). "
                                                   "Raises nothing.");
}

}  // namespace crmkit::bindings
