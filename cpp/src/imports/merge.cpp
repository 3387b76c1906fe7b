// Merging two customers across the domains (crmkit/imports/merge.hpp).
#include "crmkit/imports/merge.hpp"

#include "crmkit/customers/merge.hpp"
#include "crmkit/log.hpp"
#include "crmkit/pipeline/merge.hpp"
#include "crmkit/relationship/merge.hpp"
#include "crmkit/segments/merge.hpp"

namespace crmkit::imports {

customers::Customer merge_customers(const Context& ctx, std::int64_t keep, std::int64_t drop) {
  db::Transaction tx(ctx.db());
  customers::check_mergeable(ctx, keep, drop);
  const auto records = relationship::move_customer_records(ctx, drop, keep);
  const auto deals = pipeline::move_customer_records(ctx, drop, keep);
  const auto groups = segments::move_group_memberships(ctx, drop, keep);
  auto kept = customers::absorb(ctx, keep, drop);
  tx.commit();
  log::logger().info("customers.merge keep={} drop={} records={} opportunities_and_leads={} groups={}", keep, drop,
                     records, deals, groups);
  return kept;
}

}  // namespace crmkit::imports
