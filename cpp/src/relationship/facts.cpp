#include "crmkit/relationship/facts.hpp"

#include <algorithm>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/events/emit.hpp"
#include "relationship_internal.h"

namespace crmkit::relationship {

namespace {

// Every customer's facts recomputed from the records (alias x; one row per customer).
constexpr const char* kRecompute = R"sql(
SELECT c.id AS customer_id, i.lc, coalesce(i.ic, 0) AS ic, coalesce(o.oc, 0) AS oc, coalesce(o.ltv, 0) AS ltv,
       o.fo, o.lo, coalesce(t.ss, 0) AS ss, coalesce(t.sc, 0) AS sc, coalesce(t.ot, 0) AS ot
FROM customers c
LEFT JOIN (SELECT customer_id, max(at) AS lc, count(*) AS ic FROM interactions GROUP BY customer_id) i
       ON i.customer_id = c.id
LEFT JOIN (SELECT customer_id, count(*) FILTER (WHERE amount_cents >= 0) AS oc, sum(amount_cents) AS ltv,
                  min(at) FILTER (WHERE amount_cents >= 0) AS fo, max(at) FILTER (WHERE amount_cents >= 0) AS lo
           FROM orders GROUP BY customer_id) o
       ON o.customer_id = c.id
LEFT JOIN (SELECT customer_id, sum(satisfaction) AS ss, count(satisfaction) AS sc,
                  count(*) FILTER (WHERE status = 'open') AS ot
           FROM tickets GROUP BY customer_id) t
       ON t.customer_id = c.id
)sql";

constexpr const char* kDiffers =
    "(f.last_contact_at IS DISTINCT FROM x.lc OR f.interaction_count IS DISTINCT FROM x.ic OR "
    "f.order_count IS DISTINCT FROM x.oc OR f.lifetime_value_cents IS DISTINCT FROM x.ltv OR "
    "f.first_order_at IS DISTINCT FROM x.fo OR f.last_order_at IS DISTINCT FROM x.lo OR "
    "f.satisfaction_sum IS DISTINCT FROM x.ss OR f.satisfaction_count IS DISTINCT FROM x.sc OR "
    "f.open_tickets IS DISTINCT FROM x.ot)";

}  // namespace

customers::CustomerFacts Facts::get(std::int64_t customer_id) const {
  db::Transaction tx(ctx_.db(), false);
  detail::require_customer(ctx_, customer_id, "read");
  return detail::load_facts(ctx_, customer_id);
}

std::int64_t Facts::rebuild() {
  ctx_.require_admin("rebuild the customer facts");
  db::Transaction tx(ctx_.db());
  const std::int64_t now = ctx_.now();
  // The customers whose facts this repairs are changed customers (the segment store reloads them).
  events::customers(ctx_, events::ChangeKind::Updated, mismatches(), {"facts"});
  auto missing = ctx_.db().prepare(
      "INSERT INTO customer_facts(customer_id, updated_at) SELECT c.id, ? FROM customers c "
      "WHERE NOT EXISTS (SELECT 1 FROM customer_facts f WHERE f.customer_id = c.id)");
  missing.bind_all(now);
  std::int64_t changed = missing.exec();
  auto upd = ctx_.db().prepare(
      std::string("UPDATE customer_facts AS f SET last_contact_at = x.lc, interaction_count = x.ic, order_count = x.oc, "
                  "lifetime_value_cents = x.ltv, first_order_at = x.fo, last_order_at = x.lo, satisfaction_sum = x.ss, "
                  "satisfaction_count = x.sc, open_tickets = x.ot, updated_at = ? FROM (") +
      kRecompute + ") AS x WHERE x.customer_id = f.customer_id AND " + kDiffers);
  upd.bind_all(now);
  std::int64_t updated = upd.exec();
  tx.commit();
  // A freshly inserted row that needed values is counted once.
  log::logger().info("facts.rebuild changed={}", updated);
  return std::max(changed, updated);
}

std::vector<std::int64_t> Facts::mismatches() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT x.customer_id FROM (") + kRecompute +
                             ") AS x LEFT JOIN customer_facts f ON f.customer_id = x.customer_id WHERE f.customer_id "
                             "IS NULL OR " + kDiffers + " ORDER BY x.customer_id");
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

}  // namespace crmkit::relationship
