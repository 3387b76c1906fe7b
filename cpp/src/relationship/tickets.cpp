#include "crmkit/relationship/tickets.hpp"

#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

constexpr const char* kColumns =
    "k.id, k.customer_id, k.title, k.status, k.opened_by, k.opened_at, k.closed_by, k.closed_at, k.satisfaction, "
    "k.reopened, k.updated_at, k.version";

Ticket read(db::Stmt& q) {
  Ticket t;
  t.id = q.get_int(0);
  t.customer_id = q.get_int(1);
  t.title = q.get_text(2);
  t.status = q.get_text(3);
  t.opened_by = q.get_opt_int(4);
  t.opened_at = Timestamp{q.get_int(5)};
  t.closed_by = q.get_opt_int(6);
  if (auto c = q.get_opt_int(7)) t.closed_at = Timestamp{*c};
  t.satisfaction = q.get_opt_int(8);
  t.reopened = q.get_int(9);
  t.updated_at = Timestamp{q.get_int(10)};
  t.version = q.get_int(11);
  return t;
}

Ticket load_for(const Context& ctx, std::int64_t id, const std::string& action) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + " FROM tickets k WHERE k.id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("ticket " + std::to_string(id) + " does not exist");
  Ticket t = read(q);
  q.reset();
  detail::require_customer(ctx, t.customer_id, action);
  return t;
}

void insert_note(const Context& ctx, std::int64_t ticket, const std::string& body, std::optional<std::int64_t> by) {
  auto insert = ctx.db().prepare(
      "INSERT INTO ticket_notes(customer_id, ticket_id, body, user_id, at) SELECT customer_id, id, ?, ?, ? FROM tickets "
      "WHERE id = ?");
  insert.bind_all(body, by, ctx.now(), ticket);
  const int inserted = insert.exec();
  CRMKIT_ASSERT(inserted == 1);  // the callers have the ticket in hand, in this transaction
}

void save(const Context& ctx, Ticket& t) {
  t.updated_at = Timestamp{ctx.now()};
  ++t.version;
  ctx.db()
      .prepare("UPDATE tickets SET status = ?, closed_by = ?, closed_at = ?, satisfaction = ?, reopened = ?, "
               "updated_at = ?, version = ? WHERE id = ?")
      .bind_all(t.status, t.closed_by, t.closed_at ? std::optional(t.closed_at->ms) : std::nullopt, t.satisfaction,
                t.reopened, t.updated_at.ms, t.version, t.id)
      .exec();
}

}  // namespace

Ticket Tickets::open(std::int64_t customer_id, const std::string& title, std::optional<std::int64_t> by,
                     const std::optional<std::string>& note) {
  db::Transaction tx(ctx_.db());
  Ticket t;
  t.title = *text::clean(title, "title", text::kMaxName, true);
  std::optional<std::string> body;
  if (note) body = text::clean(*note, "note", text::kMaxLong, false);
  detail::require_customer(ctx_, customer_id, "open a ticket for");
  t.customer_id = customer_id;
  t.opened_by = detail::resolve_author(ctx_, by, "by");
  t.opened_at = t.updated_at = Timestamp{ctx_.now()};
  ctx_.db()
      .prepare("INSERT INTO tickets(customer_id, title, status, opened_by, opened_at, updated_at) VALUES (?,?,?,?,?,?)")
      .bind_all(t.customer_id, t.title, t.status, t.opened_by, t.opened_at.ms, t.updated_at.ms)
      .exec();
  t.id = ctx_.db().last_insert_id();
  if (body) insert_note(ctx_, t.id, *body, t.opened_by);
  detail::facts_tickets_changed(ctx_, customer_id, 1, 0, 0);
  events::emit(ctx_, events::ChangeKind::Created, "ticket", t.id, customer_id, {"opened_by", "status", "title"});
  tx.commit();
  log::logger().debug("tickets.open id={} customer={}", t.id, customer_id);
  return t;
}

std::int64_t Tickets::note(std::int64_t ticket_id, const std::string& body, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  auto text = *text::clean(body, "body", text::kMaxLong, true);
  const Ticket t = load_for(ctx_, ticket_id, "add a note to a ticket of");
  auto author = detail::resolve_author(ctx_, by, "by");
  insert_note(ctx_, ticket_id, text, author);
  auto id = ctx_.db().last_insert_id();
  events::emit(ctx_, events::ChangeKind::Updated, "ticket", ticket_id, t.customer_id, {"notes"});
  tx.commit();
  return id;
}

Ticket Tickets::close(std::int64_t ticket_id, std::optional<std::int64_t> satisfaction, std::optional<std::int64_t> by) {
  if (satisfaction && (*satisfaction < 1 || *satisfaction > 5))
    throw ValidationError("satisfaction: " + std::to_string(*satisfaction) + " is not a score from 1 to 5",
                          "satisfaction");
  db::Transaction tx(ctx_.db());
  Ticket t = load_for(ctx_, ticket_id, "close a ticket of");
  if (t.status != "open")
    throw ValidationError("status: ticket " + std::to_string(ticket_id) + " is already closed", "status");
  history::record(ctx_, "ticket", t.id, "status", "open", "closed",
                  satisfaction ? std::optional("satisfaction " + std::to_string(*satisfaction)) : std::nullopt);
  t.status = "closed";
  t.closed_by = detail::resolve_author(ctx_, by, "by");
  t.closed_at = Timestamp{ctx_.now()};
  t.satisfaction = satisfaction;
  save(ctx_, t);
  detail::facts_tickets_changed(ctx_, t.customer_id, -1, satisfaction.value_or(0), satisfaction ? 1 : 0);
  events::emit(ctx_, events::ChangeKind::Updated, "ticket", t.id, t.customer_id, {"closed_at", "closed_by", "satisfaction", "status"});
  tx.commit();
  return t;
}

Ticket Tickets::reopen(std::int64_t ticket_id, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  Ticket t = load_for(ctx_, ticket_id, "reopen a ticket of");
  if (t.status != "closed")
    throw ValidationError("status: ticket " + std::to_string(ticket_id) + " is open; only closed tickets can be reopened",
                          "status");
  std::optional<std::string> why;
  if (reason) why = text::clean(*reason, "reason", text::kMaxLong, false);
  history::record(ctx_, "ticket", t.id, "status", "closed", "open", why);
  // The score belonged to the closed ticket; it is asked again when the ticket closes again.
  auto old_score = t.satisfaction;
  t.status = "open";
  t.closed_by.reset();
  t.closed_at.reset();
  t.satisfaction.reset();
  ++t.reopened;
  save(ctx_, t);
  detail::facts_tickets_changed(ctx_, t.customer_id, 1, -old_score.value_or(0), old_score ? -1 : 0);
  events::emit(ctx_, events::ChangeKind::Updated, "ticket", t.id, t.customer_id, {"closed_at", "closed_by", "reopened", "satisfaction", "status"});
  tx.commit();
  return t;
}

Ticket Tickets::get(std::int64_t ticket_id) const {
  db::Transaction tx(ctx_.db(), false);
  return load_for(ctx_, ticket_id, "read the tickets of");
}

void Tickets::remove(std::int64_t ticket_id) {
  db::Transaction tx(ctx_.db());
  Ticket t = load_for(ctx_, ticket_id, "delete a ticket of");
  ctx_.db().prepare("DELETE FROM tickets WHERE id = ?").bind_all(ticket_id).exec();
  detail::facts_recompute_tickets(ctx_, t.customer_id);
  events::emit(ctx_, events::ChangeKind::Deleted, "ticket", ticket_id, t.customer_id);
  history::record(ctx_, "ticket", ticket_id, "deleted", t.title, std::nullopt);
  tx.commit();
}

Table Tickets::notes(std::int64_t ticket_id) const {
  db::Transaction tx(ctx_.db(), false);
  load_for(ctx_, ticket_id, "read the tickets of");
  auto q = ctx_.db().prepare(
      "SELECT n.id, n.ticket_id, n.body, n.user_id, u.login, n.at FROM ticket_notes n LEFT JOIN users u ON u.id = "
      "n.user_id WHERE n.ticket_id = ? ORDER BY n.id");
  q.bind_all(ticket_id);
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto tid = t.add_column("ticket_id", ColumnType::Int);
  auto body = t.add_column("body", ColumnType::Text);
  auto uid = t.add_column("user_id", ColumnType::Int);
  auto user = t.add_column("user", ColumnType::Text);
  auto at = t.add_column("at", ColumnType::Time);
  while (q.step()) {
    t.column(id).push_int(q.get_int(0));
    t.column(tid).push_int(q.get_int(1));
    t.column(body).push_text(q.get_text(2));
    t.column(uid).push_opt(q.get_opt_int(3));
    t.column(user).push_opt(q.get_opt_text(4));
    t.column(at).push_int(q.get_int(5));
  }
  return t;
}

Table Tickets::list(std::optional<std::int64_t> customer_id, const std::optional<std::string>& status,
                    std::int64_t limit, std::int64_t offset) const {
  paging::check(limit, offset);
  db::Transaction tx(ctx_.db(), false);
  std::vector<Value> params;
  std::string where = detail::customer_scope_sql(ctx_, "k.customer_id", params);
  if (customer_id) {
    detail::require_customer(ctx_, *customer_id, "read the tickets of");
    where += " AND k.customer_id = ?";
    params.emplace_back(*customer_id);
  }
  if (status) {
    if (*status != "open" && *status != "closed")
      throw ValidationError("status: '" + *status + "' is not a ticket status (open, closed)", "status");
    where += " AND k.status = ?";
    params.emplace_back(*status);
  }
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns +
                             ", c.name FROM tickets k JOIN customers c ON c.id = k.customer_id WHERE " + where +
                             " ORDER BY k.opened_at DESC, k.id DESC LIMIT ? OFFSET ?");
  int k = detail::bind_params(q, params);
  q.bind(k, limit);
  q.bind(k + 1, offset);
  Table t;
  auto id = t.add_column("id", ColumnType::Int);
  auto cust = t.add_column("customer_id", ColumnType::Int);
  auto cname = t.add_column("customer", ColumnType::Text);
  auto title = t.add_column("title", ColumnType::Text);
  auto st = t.add_column("status", ColumnType::Text);
  auto by = t.add_column("opened_by", ColumnType::Int);
  auto opened = t.add_column("opened_at", ColumnType::Time);
  auto closed = t.add_column("closed_at", ColumnType::Time);
  auto sat = t.add_column("satisfaction", ColumnType::Int);
  auto reopened = t.add_column("reopened", ColumnType::Int);
  auto version = t.add_column("version", ColumnType::Int);
  while (q.step()) {
    Ticket r = read(q);
    t.column(id).push_int(r.id);
    t.column(cust).push_int(r.customer_id);
    t.column(cname).push_text(q.get_text(12));
    t.column(title).push_text(r.title);
    t.column(st).push_text(r.status);
    t.column(by).push_opt(r.opened_by);
    t.column(opened).push_int(r.opened_at.ms);
    t.column(closed).push_opt(r.closed_at ? std::optional(r.closed_at->ms) : std::nullopt);
    t.column(sat).push_opt(r.satisfaction);
    t.column(reopened).push_int(r.reopened);
    t.column(version).push_int(r.version);
  }
  return t;
}

}  // namespace crmkit::relationship
