// What other domains ask about customers (see crmkit/customers/lookup.hpp).
#include "crmkit/customers/lookup.hpp"

#include <algorithm>

#include "crmkit/org/principal.hpp"

namespace crmkit::customers {

std::optional<std::optional<std::int64_t>> owner_of(const Context& ctx, std::int64_t customer_id) {
  auto q = ctx.db().prepare("SELECT owner_id FROM customers WHERE id = ?");
  q.bind_all(customer_id);
  if (!q.step()) return std::nullopt;
  return q.get_opt_int(0);
}

std::optional<std::int64_t> customer_of_contact(const Context& ctx, std::int64_t contact_id) {
  auto q = ctx.db().prepare("SELECT customer_id FROM contacts WHERE id = ?");
  q.bind_all(contact_id);
  if (!q.step()) return std::nullopt;
  return q.get_int(0);
}

std::unordered_map<std::int64_t, std::optional<std::int64_t>> owners_of(const Context& ctx,
                                                                        const std::vector<std::int64_t>& customer_ids) {
  std::unordered_map<std::int64_t, std::optional<std::int64_t>> out;
  out.reserve(customer_ids.size());
  // One cached statement with the ids as one JSON array: a statement spelled per list would be
  // compiled each time and crowd the statement cache out. In ascending order, each lookup starts
  // where the one before it ended in the table's B-tree, on pages already in the cache.
  std::vector<std::int64_t> ids = customer_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto q = ctx.db().prepare("SELECT id, owner_id FROM customers WHERE id IN (" + ctx.db().dialect().ids_in_json("?") + ")");
  std::string list = "[";
  for (auto id : ids) (list += list.size() == 1 ? "" : ",") += std::to_string(id);
  q.bind_all(list + "]");
  while (q.step()) out[q.get_int(0)] = q.get_opt_int(1);
  return out;
}

std::string visible_condition(const Context& ctx, const std::string& customer_col, std::vector<Value>& params) {
  auto f = ctx.who->owner_filter("customers", "sc.owner_id");
  if (f.sql == "1") return "1";
  for (auto id : f.params) params.emplace_back(id);
  return customer_col + " IN (SELECT sc.id FROM customers sc WHERE " + f.sql + ")";
}

std::int64_t count_all(const Context& ctx) {
  auto q = ctx.db().prepare("SELECT count(*) FROM customers");
  q.step();
  return q.get_int(0);
}

bool any_customer(const Context& ctx) {
  auto q = ctx.db().prepare("SELECT EXISTS (SELECT 1 FROM customers)");
  return q.step() && q.get_int(0) != 0;
}

std::int64_t count_owned_by(const Context& ctx, std::int64_t user_id) {
  auto q = ctx.db().prepare("SELECT count(*) FROM customers WHERE owner_id = ?");
  q.bind_all(user_id);
  q.step();
  return q.get_int(0);
}

}  // namespace crmkit::customers
