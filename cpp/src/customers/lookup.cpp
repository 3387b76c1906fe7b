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

std::unordered_map<std::int64_t, std::optional<std::int64_t>> owners_of(const Context& ctx,
                                                                        const std::vector<std::int64_t>& customer_ids) {
  std::unordered_map<std::int64_t, std::optional<std::int64_t>> out;
  out.reserve(customer_ids.size());
  // Ids are integers, so a list of them is written into the statement: no parameter limit to
  // meet and nothing to inject. Chunks keep each statement's text modest.
  constexpr std::size_t kChunk = 500;
  for (std::size_t done = 0; done < customer_ids.size(); done += kChunk) {
    std::string list;
    for (std::size_t k = done; k < std::min(customer_ids.size(), done + kChunk); ++k)
      list += (list.empty() ? "" : ",") + std::to_string(customer_ids[k]);
    auto q = ctx.db().prepare("SELECT id, owner_id FROM customers WHERE id IN (" + list + ")");
    while (q.step()) out[q.get_int(0)] = q.get_opt_int(1);
  }
  return out;
}

std::string visible_condition(const Context& ctx, const std::string& customer_col, std::vector<Value>& params) {
  auto f = ctx.who->owner_filter("customers", "sc.owner_id");
  if (f.sql == "1") return "1";
  for (auto id : f.params) params.emplace_back(id);
  return customer_col + " IN (SELECT sc.id FROM customers sc WHERE " + f.sql + ")";
}

std::int64_t count_owned_by(const Context& ctx, std::int64_t user_id) {
  auto q = ctx.db().prepare("SELECT count(*) FROM customers WHERE owner_id = ?");
  q.bind_all(user_id);
  q.step();
  return q.get_int(0);
}

}  // namespace crmkit::customers
