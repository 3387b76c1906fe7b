#include "crmkit/events/events.hpp"

#include <string>

#include "crmkit/db/change_feed.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"
#include "crmkit/paging.hpp"

namespace crmkit::events {

namespace {

struct Bounds {
  std::int64_t latest = 0;  // newest id ever assigned
  std::int64_t oldest = 1;  // oldest retained id (latest + 1 when none is retained)
};

Bounds bounds(db::Database& db) {
  Bounds b;
  b.latest = db::ChangeFeed::latest_id(db);
  b.oldest = db::ChangeFeed::oldest_id(db);
  return b;
}

struct VisibilityParts {
  std::vector<VisibilityPart> parts;
};

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";  // entity names are identifiers
  return out;
}

// The condition restricting events to the principal's scope (see the header), appending its
// parameters: each part's condition for its entities, the fallback's for the rest. Events of
// records that no longer exist match nothing. With no part installed a scoped view sees nothing.
std::string visibility(const Context& ctx, std::vector<std::int64_t>& params) {
  const auto& parts = ctx.live().extension<VisibilityParts>().parts;
  std::vector<std::string> named;
  std::string sql;
  for (const auto& p : parts) {
    if (p.entities.empty()) continue;
    named.insert(named.end(), p.entities.begin(), p.entities.end());
    sql += (sql.empty() ? "" : " OR ") + std::string("(e.entity IN (") + quoted_list(p.entities) + ") AND " +
           p.condition(*ctx.who, params) + ")";
  }
  for (const auto& p : parts) {
    if (!p.entities.empty()) continue;
    sql += (sql.empty() ? "(" : " OR (") + (named.empty() ? std::string() : "e.entity NOT IN (" + quoted_list(named) + ") AND ") +
           p.condition(*ctx.who, params) + ")";
  }
  return sql.empty() ? "0" : "(" + sql + ")";
}

}  // namespace

void add_visibility_part(Engine& engine, VisibilityPart part) {
  engine.extension<VisibilityParts>().parts.push_back(std::move(part));
}

Table Events::since(std::int64_t cursor, std::int64_t limit) const {
  paging::check_cursor(cursor, "cursor");
  paging::check_limit(limit, {.zero_limit = false, .no_limit = false, .max_limit = kMaxLimit});
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
  if (!ctx_.who->is_system() && !ctx_.who->is_admin) where += " AND " + visibility(ctx_, params);
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
