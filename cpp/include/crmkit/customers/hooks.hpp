// crmkit/customers/hooks.hpp — what higher domains attach to the customers domain.
//
// The customers domain is below the domains that keep data about a customer in their own tables
// (the relationship domain's facts row, for one). Rather than naming those tables itself, it
// calls what they installed on the engine when the CRM opened: creation hooks, run inside the
// creating transaction so the new customers and everything kept about them commit or roll back
// together, and the reader that shows the derived facts on a customer record.
#pragma once

#include <cstdint>
#include <functional>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"
#include "crmkit/table.hpp"

namespace crmkit::customers {

// Called after the customers with ids first..last (consecutive: one transaction holds the write
// lock, and ids are never reused) were inserted, with the transaction's time.
using CreatedHook = std::function<void(const Context&, std::int64_t first, std::int64_t last, std::int64_t at)>;

// Installs a hook; called once per domain when a CRM opens, before the engine is shared.
void on_created(Engine& engine, CreatedHook hook);

// Runs every installed hook (the customers domain calls it after each insert).
void notify_created(const Context& ctx, std::int64_t first, std::int64_t last, std::int64_t at);

// How a customer record and a customer listing show the derived facts (installed by the
// relationship domain, which owns them). A record is read in one query: `join` and `columns`
// are spliced into it after the customer's own columns, and `read` decodes them from `first`.
struct FactsReader {
  std::string join;     // e.g. a LEFT JOIN of the facts table on c.id (with a leading space)
  std::string columns;  // the select list `read` expects
  std::function<CustomerFacts(const db::Stmt&, int first, std::int64_t now)> read;
  // Appends the facts columns to a listing of customers with an `id` column, filled for its rows.
  std::function<void(const Context&, Table&)> add_columns;
};

void set_facts_reader(Engine& engine, FactsReader reader);
// The installed reader; nullptr when none is (a record then shows empty facts).
const FactsReader* facts_reader(const Context& ctx);

// A customer's won deals, as SQL installed by the domain that keeps deals (pipeline): a SELECT of
// (customer_id, won_at) rows, one per won deal that belongs to a customer. The pool's no-deal rule
// reads it (relationship and pipeline are side by side above customers, so it meets them here).
void set_won_deals_sql(Engine& engine, std::string sql);
// The installed SELECT; empty when none is (then no customer has a won deal).
const std::string& won_deals_sql(const Context& ctx);

}  // namespace crmkit::customers
