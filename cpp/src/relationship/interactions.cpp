#include "crmkit/relationship/interactions.hpp"

#include <algorithm>
#include <map>

#include "crmkit/customers/lookup.hpp"
#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

const std::vector<std::string>& interaction_kinds() {
  static const std::vector<std::string> kinds = {"call", "visit", "email", "wechat", "meeting", "other"};
  return kinds;
}

namespace {

// What an interaction's "created" event names (field names only, never values).
const std::vector<std::string> kInteractionFields = {"at", "contact_id", "kind", "summary", "user_id"};

using detail::row_prefix;

constexpr const char* kColumns =
    "i.id, i.customer_id, i.kind, i.user_id, i.at, i.summary, i.contact_id, i.follow_up_task_id, i.created_at";

Interaction read(db::Stmt& q) {
  Interaction i;
  i.id = q.get_int(0);
  i.customer_id = q.get_int(1);
  i.kind = q.get_text(2);
  i.user_id = q.get_opt_int(3);
  i.at = Timestamp{q.get_int(4)};
  i.summary = q.get_text(5);
  i.contact_id = q.get_opt_int(6);
  i.follow_up_task_id = q.get_opt_int(7);
  i.created_at = Timestamp{q.get_int(8)};
  return i;
}

// The per-row checks of a single call (the bulk call uses detail::BatchChecks).
struct SingleChecks {
  const Context& ctx;
  std::optional<std::int64_t> require_customer(std::int64_t id, const std::string& action,
                                               std::optional<std::int64_t> row) const {
    return detail::require_customer(ctx, id, action, row);
  }
  std::optional<std::int64_t> resolve_author(std::optional<std::int64_t> by, const std::string& field,
                                             std::optional<std::int64_t> row) const {
    return detail::resolve_author(ctx, by, field, row);
  }
};

// Validates one input and inserts the interaction (and its follow-up task); facts are the caller's.
template <typename Checks>
Interaction insert_one(const Context& ctx, Checks& checks, const InteractionInput& in, std::optional<std::int64_t> row) {
  const auto& kinds = interaction_kinds();
  std::string kind = text::trim(in.kind);
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw ValidationError(row_prefix(row) + "kind: '" + in.kind +
                              "' is not an interaction kind (call, visit, email, wechat, meeting, other)",
                          "kind", row);
  const std::int64_t now = ctx.now();
  Interaction i;
  i.at = in.at.value_or(Timestamp{now});
  if (i.at.ms > now + kFutureTolerance)
    throw ValidationError(row_prefix(row) + "at: " + format_timestamp(i.at.ms) +
                              " is in the future (now is " + format_timestamp(now) + ")",
                          "at", row);
  auto owner = checks.require_customer(in.customer_id, "log an interaction with", row);
  i.customer_id = in.customer_id;
  i.kind = kind;
  i.user_id = checks.resolve_author(in.by, "by", row);
  i.summary = text::clean(in.summary, "summary", text::kMaxLong, false, row).value_or("");
  if (in.contact_id) {
    const auto holder = customers::customer_of_contact(ctx, *in.contact_id);
    if (!holder) throw NotFound(row_prefix(row) + "contact: contact " + std::to_string(*in.contact_id) + " does not exist");
    if (*holder != in.customer_id)
      throw ValidationError(row_prefix(row) + "contact: contact " + std::to_string(*in.contact_id) +
                                " belongs to another customer",
                            "contact", row);
    i.contact_id = in.contact_id;
  }
  i.created_at = Timestamp{now};
  Task follow;
  if (in.next_follow_up) {
    follow.due_at = *in.next_follow_up;
    follow.all_day = in.follow_up_all_day;
    detail::check_due(ctx.zone(), now, follow.due_at, follow.all_day, "next_follow_up", row);
    follow.title = in.follow_up_title ? text::clean(*in.follow_up_title, "follow_up_title", text::kMaxName, true, row).value()
                                      : std::string("跟进: ") + (i.summary.empty() ? kind : detail::truncate(i.summary, 60));
    follow.title = *text::clean(follow.title, "follow_up_title", text::kMaxLong, true, row);
  }
  ctx.db()
      .prepare("INSERT INTO interactions(customer_id, kind, user_id, at, summary, contact_id, created_at) "
               "VALUES (?,?,?,?,?,?,?)")
      .bind_all(i.customer_id, i.kind, i.user_id, i.at.ms, i.summary, i.contact_id, i.created_at.ms)
      .exec();
  i.id = ctx.db().last_insert_id();
  // The customer's contact facts change with it; the event names the interaction's fields.
  events::emit(ctx, events::ChangeKind::Created, "interaction", i.id, i.customer_id, kInteractionFields);
  if (in.next_follow_up) {
    follow.customer_id = i.customer_id;
    follow.kind = "follow_up";
    follow.assignee_id = i.user_id ? i.user_id : owner;
    follow.interaction_id = i.id;
    follow.created_by = ctx.actor();
    follow.created_at = follow.updated_at = Timestamp{now};
    i.follow_up_task_id = detail::insert_task(ctx, follow);
    ctx.db()
        .prepare("UPDATE interactions SET follow_up_task_id = ? WHERE id = ?")
        .bind_all(*i.follow_up_task_id, i.id)
        .exec();
  }
  return i;
}

}  // namespace

Interaction Interactions::log(const InteractionInput& input) {
  db::Transaction tx(ctx_.db());
  SingleChecks checks{ctx_};
  Interaction i = insert_one(ctx_, checks, input, std::nullopt);
  detail::facts_contact_added(ctx_, i.customer_id, 1, i.at.ms);
  tx.commit();
  log::logger().debug("interactions.log id={} customer={}", i.id, i.customer_id);
  return i;
}

std::vector<std::int64_t> Interactions::log_many(const std::vector<InteractionInput>& inputs) {
  db::BulkWrite bulk(ctx_.db());
  db::Transaction tx(ctx_.db());
  std::vector<std::int64_t> ids;
  ids.reserve(inputs.size());
  std::vector<std::int64_t> customer_ids;
  customer_ids.reserve(inputs.size());
  for (const auto& in : inputs) customer_ids.push_back(in.customer_id);
  detail::BatchChecks checks(ctx_, customer_ids);
  // Facts are applied once per customer at the end: (count, latest time).
  std::map<std::int64_t, detail::ContactDelta> per_customer;
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    Interaction i = insert_one(ctx_, checks, inputs[r], static_cast<std::int64_t>(r));
    ids.push_back(i.id);
    auto [it, fresh] = per_customer.try_emplace(i.customer_id, detail::ContactDelta{0, i.at.ms});
    it->second.count += 1;
    it->second.last_at = std::max(it->second.last_at, i.at.ms);
  }
  detail::facts_contacts_added(ctx_, per_customer);
  tx.commit();
  log::logger().debug("interactions.log_many count={}", ids.size());
  return ids;
}

std::optional<std::int64_t> Interactions::find_same(std::int64_t customer_id, Timestamp at, const std::string& kind,
                                                    const std::string& summary) const {
  auto q = ctx_.db().prepare(
      "SELECT id FROM interactions WHERE customer_id = ? AND at = ? AND kind = ? AND summary = ? ORDER BY id LIMIT 1");
  q.bind_all(customer_id, at.ms, kind, summary);
  if (!q.step()) return std::nullopt;
  return q.get_int(0);
}

Interaction Interactions::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns + " FROM interactions i WHERE i.id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("interaction " + std::to_string(id) + " does not exist");
  Interaction i = read(q);
  detail::require_customer(ctx_, i.customer_id, "read the interactions of");
  return i;
}

void Interactions::remove(std::int64_t id) {
  db::Transaction tx(ctx_.db());
  auto q = ctx_.db().prepare("SELECT customer_id, kind, at FROM interactions WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("interaction " + std::to_string(id) + " does not exist");
  std::int64_t customer = q.get_int(0);
  std::string what = q.get_text(1) + " at " + format_timestamp(q.get_int(2));
  q.reset();
  detail::require_customer(ctx_, customer, "delete the interactions of");
  ctx_.db().prepare("DELETE FROM interactions WHERE id = ?").bind_all(id).exec();
  detail::facts_recompute_contacts(ctx_, customer);
  history::record(ctx_, "interaction", id, "deleted", what, std::nullopt);
  events::emit(ctx_, events::ChangeKind::Deleted, "interaction", id, customer);
  tx.commit();
}

Table Interactions::list(const InteractionQuery& query) const {
  paging::check(query.limit, query.offset);
  db::Transaction tx(ctx_.db(), false);
  std::vector<Value> params;
  std::string where = detail::customer_scope_sql(ctx_, "i.customer_id", params);
  if (query.customer_id) {
    detail::require_customer(ctx_, *query.customer_id, "read the interactions of");
    where += " AND i.customer_id = ?";
    params.emplace_back(*query.customer_id);
  }
  if (query.by) {
    where += " AND i.user_id = ?";
    params.emplace_back(*query.by);
  }
  if (query.since) {
    where += " AND i.at >= ?";
    params.emplace_back(query.since->ms);
  }
  if (query.until) {
    where += " AND i.at < ?";
    params.emplace_back(query.until->ms);
  }
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns +
                             ", c.name, u.login FROM interactions i JOIN customers c ON c.id = i.customer_id "
                             "LEFT JOIN users u ON u.id = i.user_id WHERE " + where +
                             " ORDER BY i.at DESC, i.id DESC LIMIT ? OFFSET ?");
  int k = detail::bind_params(q, params);
  q.bind(k, query.limit);
  q.bind(k + 1, query.offset);
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_cust = t.add_column("customer_id", ColumnType::Int);
  auto c_cname = t.add_column("customer", ColumnType::Text);
  auto c_kind = t.add_column("kind", ColumnType::Text);
  auto c_uid = t.add_column("user_id", ColumnType::Int);
  auto c_user = t.add_column("user", ColumnType::Text);
  auto c_at = t.add_column("at", ColumnType::Time);
  auto c_sum = t.add_column("summary", ColumnType::Text);
  auto c_contact = t.add_column("contact_id", ColumnType::Int);
  auto c_task = t.add_column("follow_up_task_id", ColumnType::Int);
  auto c_created = t.add_column("created_at", ColumnType::Time);
  while (q.step()) {
    t.column(c_id).push_int(q.get_int(0));
    t.column(c_cust).push_int(q.get_int(1));
    t.column(c_cname).push_text(q.get_text(9));
    t.column(c_kind).push_text(q.get_text(2));
    t.column(c_uid).push_opt(q.get_opt_int(3));
    t.column(c_user).push_opt(q.get_opt_text(10));
    t.column(c_at).push_int(q.get_int(4));
    t.column(c_sum).push_text(q.get_text(5));
    t.column(c_contact).push_opt(q.get_opt_int(6));
    t.column(c_task).push_opt(q.get_opt_int(7));
    t.column(c_created).push_int(q.get_int(8));
  }
  return t;
}

}  // namespace crmkit::relationship
