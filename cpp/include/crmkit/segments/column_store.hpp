// crmkit/segments/column_store.hpp — an in-memory columnar copy of the segmentable attributes of
// every customer, evaluating parsed rules into bitmaps at memory speed.
//
// Segment counts, previews and "does this changed customer still belong to segment X" checks run
// far more often than the data changes. rules::compile stays the path for reports and filters;
// this store holds each catalog field as a column (text and enum dictionary-encoded, numbers and
// times as int64/double with validity bitmaps, multi_enum as per-row code lists, tags and static
// groups as inverted indexes) and evaluates a rules::Rule over them. Results are exactly those of
// the compiled SQL on the same data: both take every operator's meaning from
// crmkit/rules/semantics.hpp (two-valued NULL logic, ints and doubles compared exactly, text
// bytewise, whole days rounded down).
//
// Residency: a column, tag or group is loaded the first time a rule needs it (or all fields on
// the first refresh with ColumnStoreOptions::eager) and kept current from then on. Loading it
// catches the whole store up with the database in the same read transaction, so every result
// reflects one committed snapshot.
//
// Freshness: every committed write that changes a customer's row, facts, tags or group
// memberships leaves an event naming the customer in the change feed (table `events`, see
// crmkit/db/change_feed.hpp), in any process. refresh() reloads just those customers, or reloads
// fully the first time, after a change of the customer custom-field definitions, when the feed was
// trimmed past what this store has seen, or when many rows changed. An unchanged database costs
// one `Database::data_version()` and a change-counter check. Retention is the feed's; a store
// whose position is older than the oldest kept event reloads fully, so correctness never depends
// on it.
//
// Thread-safety: internally synchronised. evaluate(), count() and matches() take a shared lock
// and may run concurrently with each other; refresh() (and the first use of a new column, tag
// or group) takes an exclusive lock, so readers wait while the store changes. Database access
// happens under the Database's own mutex; do not call into the store from a thread that holds
// that mutex while another thread may be refreshing the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/rule.hpp"

namespace crmkit::db {
class Database;
}  // namespace crmkit::db

namespace crmkit::segments {

// A catalog field whose SQL depends on $now cannot be stored. One the catalog marks as counting
// days from a stored date (rules::FieldInfo::days_since_of, as relationship marks
// days_since_contact) is computed on the fly as rules::semantics::days_since(source value,
// now_ms): whole days from that field to now, rounded down, NULL when it is NULL — the definition
// the field's catalog SQL (days_since_sql) spells for SQL.
struct ColumnStoreOptions {
  // Load every field on the first refresh instead of when a rule first reads it.
  bool eager = false;
  // From this many customers on, a count evaluates half the rows on a second core. Below it,
  // handing over half costs more than it saves. Tests set it low to check that path.
  std::size_t two_cores_from = std::size_t{1} << 18;
};

struct ColumnStoreStats {
  std::int64_t full_loads = 0;            // loads of every resident column for every customer
  std::int64_t incremental_refreshes = 0; // refreshes that reloaded only changed customers
  std::int64_t customers_reloaded = 0;    // customers reloaded by incremental refreshes, in total
  std::int64_t columns_resident = 0;      // fields currently held
  std::int64_t sets_resident = 0;         // tags plus groups currently held
  std::int64_t last_seq = 0;              // newest change-feed event id applied
  std::int64_t sql_answers = 0;           // answers given through SQL instead (answer_through_sql)
  std::int64_t column_answers = 0;        // evaluate() and count() calls answered
};

class ColumnStore {
 public:
  // `catalog` must be the customer catalog: field SQL over `c` (customers) and `f`
  // (customer_facts, LEFT JOINed). Reads nothing yet. Throws crmkit::Error if a field counts days
  // from a field that is missing or not a stored date/datetime field.
  ColumnStore(db::Database& db, rules::Catalog catalog, ColumnStoreOptions options = {});
  ~ColumnStore();
  ColumnStore(const ColumnStore&) = delete;
  ColumnStore& operator=(const ColumnStore&) = delete;

  // Brings the resident data up to date with the database (see the header comment). Throws
  // crmkit::StorageError on database failure (the store is then reloaded fully next time).
  void refresh();

  // Replaces the catalog (after custom fields changed); the next refresh or use reloads fully.
  void set_catalog(rules::Catalog catalog);

  // Customers held (as of the last refresh or load).
  std::size_t size() const;

  // Ids of the customers the rule holds for, ascending, optionally only those whose owner_id is
  // in `restrict_to_owners` (customers without an owner are then excluded). Loads the columns,
  // tags and groups the rule needs on first use. Throws crmkit::Error if the rule is for another
  // entity, uses a field missing from this store's catalog or of another type, or a field that
  // depends on $now other than by counting days from a stored date; crmkit::StorageError if loading fails.
  std::vector<std::int64_t> evaluate(const rules::Rule& rule, std::int64_t now_ms,
                                     const std::vector<std::int64_t>* restrict_to_owners = nullptr) const;
  // The number of ids evaluate() would return.
  std::int64_t count(const rules::Rule& rule, std::int64_t now_ms,
                     const std::vector<std::int64_t>* restrict_to_owners = nullptr) const;
  // Whether the rule holds for one customer, as held by the store (false when the store does not
  // hold that customer). Meant for re-checking a changed customer against saved rules after
  // refresh(). Same errors as evaluate().
  bool matches(const rules::Rule& rule, std::int64_t customer_id, std::int64_t now_ms) const;

  ColumnStoreStats stats() const;

  // Load scheduling for callers that can also answer through SQL. True when the rule can be
  // evaluated without loading anything: the store has loaded, no full reload is pending, and every
  // column, tag and group the rule reads is resident (refresh() may still apply changes). Reads
  // nothing from the database. Same errors as evaluate() for a rule that does not fit the store.
  bool resident_for(const rules::Rule& rule) const;
  // Whether the caller should answer this rule through SQL rather than load: true (and counted in
  // stats().sql_answers) when the rule is not resident and fewer than `patience` such answers have
  // been given since the store last loaded data; false when it is resident or patience ran out,
  // and the caller then evaluates here, which loads.
  bool answer_through_sql(const rules::Rule& rule, std::int64_t patience);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crmkit::segments
