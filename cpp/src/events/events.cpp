#include "crmkit/events/events.hpp"

#include <string>

#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"

namespace crmkit::events {

namespace {

struct Bounds {
  std::int64_t latest = 0;  // newest id ever assigned
  std::int64_t oldest = 1;  // oldest retained id (latest + 1 when none is retained)
};

Bounds bounds(db::Database& db) {
  auto q = db.prepare(
      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), (SELECT min(id) FROM events)");
  q.step();
  Bounds b;
  b.latest = q.get_int(0);
  b.oldest = q.is_null(1) ? b.latest + 1 : q.get_int(1);
  return b;
}

// The condition restricting events to the principal's scope (see the header), appending its
// parameters. Events of records that no longer exist match nothing.
std::string visibility(const org::Principal& who, std::vector<std::int64_t>& params) {
  auto customers = who.owner_filter("customers", "c.owner_id");
  auto opportunities = who.owner_filter("opportunities", "o.owner_id");
  auto leads = who.owner_filter("leads", "l.owner_id");
  std::string sql =
      "((e.entity = 'opportunity' AND EXISTS (SELECT 1 FROM opportunities o WHERE o.id = e.entity_id AND " +
      opportunities.sql + ")) OR (e.entity = 'lead' AND EXISTS (SELECT 1 FROM leads l WHERE l.id = e.entity_id AND " +
      leads.sql + ")) OR (e.entity NOT IN ('opportunity', 'lead') AND EXISTS (SELECT 1 FROM customers c WHERE c.id = " +
      "e.customer_id AND " + customers.sql + ")))";
  for (auto* f : {&opportunities, &leads, &customers}) params.insert(params.end(), f->params.begin(), f->params.end());
  return sql;
}

}  // namespace

Table Events::since(std::int64_t cursor, std::int64_t limit) const {
  if (cursor < 0)
    throw ValidationError("cursor must be 0 or the id of an event, got " + std::to_string(cursor), "cursor");
  if (limit < 1 || limit > kMaxLimit)
    throw ValidationError("limit must be between 1 and " + std::to_string(kMaxLimit) + ", got " + std::to_string(limit),
                          "limit");
  db::Transaction tx(ctx_.db(), false);
  const Bounds b = bounds(ctx_.db());
  if (cursor > b.latest)
    throw ValidationError("cursor " + std::to_string(cursor) + " is beyond the newest event (" +
                              std::to_string(b.latest) + "); was it taken from another database?",
                          "cursor");
  if (cursor < b.oldest - 1)
    throw Conflict("events after cursor " + std::to_string(cursor) + " are no longer retained (the oldest kept is " +
                   std::to_string(b.oldest) + "); resynchronise, then continue from events.latest()");
  std::vector<std::int64_t> params;
  std::string where = "e.id > ?";
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) where += " AND " + visibility(*ctx_.who, params);
  auto q = ctx_.db().prepare(
      "SELECT e.id, e.at, e.kind, e.entity, e.entity_id, e.customer_id, e.payload FROM events e WHERE " + where +
      " ORDER BY e.id LIMIT ?");
  int i = 0;
  q.bind(++i, cursor);
  for (auto p : params) q.bind(++i, p);
  q.bind(++i, limit);
  return db::read_table(q, {{"id", ColumnType::Int},
                            {"at", ColumnType::Time},
                            {"kind", ColumnType::Text},
                            {"entity", ColumnType::Text},
                            {"entity_id", ColumnType::Int},
                            {"customer_id", ColumnType::Int},
                            {"payload", ColumnType::Text}});
}

std::int64_t Events::latest() const {
  db::Transaction tx(ctx_.db(), false);
  return bounds(ctx_.db()).latest;
}

std::int64_t Events::oldest() const {
  db::Transaction tx(ctx_.db(), false);
  return bounds(ctx_.db()).oldest;
}

}  // namespace crmkit::events
