#include "crmkit/crm.hpp"
#include "crmkit/org/org_cache.hpp"

#include "crmkit/customers/keys.hpp"
#include "crmkit/customers/search.hpp"
#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/customers/install.hpp"
#include "crmkit/pipeline/install.hpp"
#include "crmkit/relationship/install.hpp"
#include "crmkit/segments/install.hpp"
#include "crmkit/workflow/install.hpp"

namespace crmkit {

namespace {

// The stored time zone name, if the database has named one (table `settings`, migration 10).
std::optional<std::string> stored_timezone(db::Database& db) {
  auto q = db.prepare("SELECT value FROM settings WHERE name = 'timezone'");
  if (!q.step()) return std::nullopt;
  return q.get_text(0);
}

void store_timezone(const Context& ctx, const std::string& name) {
  ctx.db()
      .prepare("INSERT INTO settings(name, value, updated_at, updated_by) VALUES ('timezone', ?, ?, ?) "
               "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
               "updated_by = excluded.updated_by")
      .bind_all(name, ctx.now(), ctx.actor())
      .exec();
}

}  // namespace

Crm Crm::open(const std::string& path, const db::OpenOptions& options, const std::optional<std::string>& timezone) {
  // Checked before the file is touched, so that a bad name creates no database.
  std::optional<TimeZone> wanted;
  if (timezone) wanted = TimeZone::named(*timezone, "timezone");
  auto engine = std::make_shared<Engine>(path, options);
  // The higher domains attach what lower ones call without depending on them (creation hooks,
  // catalog parts, segment members), before the engine is shared.
  customers::install(*engine);
  relationship::install(*engine);
  pipeline::install(*engine);
  segments::install(*engine);
  workflow::install(*engine);
  Crm crm(Context{engine, std::make_shared<const org::Principal>(org::system_principal())});
  db::Transaction tx(engine->db, wanted.has_value());
  auto stored = stored_timezone(engine->db);
  if (stored) {
    // A stored name the system's tzdata no longer knows is an error worth stopping for: every
    // local date would silently move.
    TimeZone zone = TimeZone::named(*stored, "timezone");
    if (wanted && !(*wanted == zone))
      throw Conflict("timezone: '" + path + "' keeps its calendar in " + zone.name() + ", not " + wanted->name() +
                     "; open it without timezone= or change it with crm.timezone = '" + wanted->name() + "'");
    engine->zone.store(zone);
  } else if (wanted) {
    store_timezone(crm.ctx_, wanted->name());
    history::record(crm.ctx_, "settings", 1, "timezone", "UTC", wanted->name());
    engine->zone.store(*wanted);
  }
  tx.commit();
  // Customers and contacts written before identity keys existed (schema 8) get theirs once.
  customers::CustomerKeys(crm.ctx_).backfill();
  // A search index from before schema 12 is rebuilt once, in C++ (its text is NFKC-normalised).
  customers::rebuild_search_if_pending(crm.ctx_);
  return crm;
}

void Crm::set_timezone(const std::string& name) const {
  ctx_.require_admin("change the time zone");
  TimeZone to = TimeZone::named(name, "timezone");
  db::Transaction tx(ctx_.db());
  // The stored zone, not this engine's copy: another process may have changed it meanwhile.
  auto stored = stored_timezone(ctx_.db());
  TimeZone from = stored ? TimeZone::named(*stored, "timezone") : TimeZone{};
  if (from == to && stored) {
    ctx_.live().zone.store(to);
    return;
  }
  if (!(from == to)) {
    relationship::rezone_all_day_tasks(ctx_, from, to);
    history::record(ctx_, "settings", 1, "timezone", from.name(), to.name());
  }
  store_timezone(ctx_, to.name());
  tx.commit();
  ctx_.live().zone.store(to);
}

Crm Crm::as_user(std::int64_t user_id) const {
  // A scoped view is a boundary: only the system view or an admin may take on someone else.
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != user_id)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not act as another user");
  return Crm(Context{ctx_.engine, ctx_.live().extension<org::OrgCache>().principal(ctx_.db(), user_id)});
}

Table Crm::history(const std::string& entity, std::int64_t id) const {
  if (entity == "customer") return customers().history(id);
  db::Transaction tx(ctx_.db(), false);
  if (entity == "contact") {
    customers().require_visible(contacts().get(id).customer_id);
  } else if (!ctx_.who->is_system() && !ctx_.who->is_admin) {
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read the history of " + entity + " records");
  }
  return history::list(ctx_, entity, id);
}

}  // namespace crmkit
