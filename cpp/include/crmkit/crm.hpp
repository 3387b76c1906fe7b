// crmkit/crm.hpp — the facade: one opened CRM database and its services.
//
// `Crm::open` opens (creating and migrating) a database; the result is the system view, which
// sees and may do everything. `as_user(id)` returns a view of the same database whose every
// query is limited to the user's scope and whose every write is checked and attributed to that
// user. Services are cheap value objects created per call.
//
// Thread-safety: a Crm and its views may be used from several threads; calls are serialised on
// the connection. Several processes may open the same file.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/customers/customers.hpp"
#include "crmkit/events/events.hpp"
#include "crmkit/imports/imports.hpp"
#include "crmkit/org/org.hpp"
#include "crmkit/relationship/facts.hpp"
#include "crmkit/relationship/interactions.hpp"
#include "crmkit/relationship/orders.hpp"
#include "crmkit/relationship/pool.hpp"
#include "crmkit/relationship/revisits.hpp"
#include "crmkit/relationship/tasks.hpp"
#include "crmkit/relationship/tickets.hpp"
#include "crmkit/pipeline/leads.hpp"
#include "crmkit/pipeline/opportunities.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/segments/analytics.hpp"
#include "crmkit/segments/segments.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "crmkit/workflow/ledger.hpp"
#include "crmkit/workflow/workflows.hpp"
#include "crmkit/reports/reports.hpp"

namespace crmkit {

class Crm {
 public:
  // Throws StorageError if the file is not SQLite, not crmkit's, or has a newer schema.
  // `timezone` (an IANA name) is the database's time zone: stored by the first open that names
  // one (ValidationError for an unknown name); a later open naming another zone than the stored
  // one is a Conflict (change it with set_timezone). Without it the stored zone is used (UTC
  // for a database that never named one).
  static Crm open(const std::string& path, const db::OpenOptions& options = {},
                  const std::optional<std::string>& timezone = std::nullopt);

  // A view scoped to `user_id`. Throws NotFound / PermissionDenied (deactivated user).
  Crm as_user(std::int64_t user_id) const;

  org::Teams teams() const { return org::Teams(ctx_); }
  org::Users users() const { return org::Users(ctx_); }
  org::Roles roles() const { return org::Roles(ctx_); }
  schema::Fields fields() const { return schema::Fields(ctx_); }
  schema::Stages lifecycle() const { return schema::Stages(ctx_, "lifecycle"); }
  schema::Stages pipeline() const { return schema::Stages(ctx_, "pipeline"); }
  customers::Customers customers() const { return customers::Customers(ctx_); }
  customers::Contacts contacts() const { return customers::Contacts(ctx_); }
  segments::Segments segments() const { return segments::Segments(ctx_); }
  segments::Groups groups() const { return segments::Groups(ctx_); }
  segments::AutoRules autotags() const { return segments::AutoRules(ctx_, "tag"); }
  segments::AutoRules autostages() const { return segments::AutoRules(ctx_, "stage"); }
  segments::Rfm rfm() const { return segments::Rfm(ctx_); }
  segments::Clv clv() const { return segments::Clv(ctx_); }
  relationship::Interactions interactions() const { return relationship::Interactions(ctx_); }
  relationship::Tasks tasks() const { return relationship::Tasks(ctx_); }
  relationship::Revisits revisits() const { return relationship::Revisits(ctx_); }
  relationship::Tickets tickets() const { return relationship::Tickets(ctx_); }
  relationship::Orders orders() const { return relationship::Orders(ctx_); }
  relationship::Pool pool() const { return relationship::Pool(ctx_); }
  relationship::Facts facts() const { return relationship::Facts(ctx_); }
  // Pipeline services report their changes to the workflow engine (stage_enter / field_change
  // triggers, reapproval rounds).
  pipeline::Leads leads() const { return pipeline::Leads(ctx_, workflow::change_observer()); }
  pipeline::Opportunities opportunities() const {
    return pipeline::Opportunities(ctx_, workflow::change_observer());
  }
  pipeline::Documents documents() const { return pipeline::Documents(ctx_, workflow::change_observer()); }
  workflow::Workflows workflows() const { return workflow::Workflows(ctx_); }
  workflow::Approvals approvals() const { return workflow::Approvals(ctx_); }
  workflow::Audit audit() const { return workflow::Audit(ctx_); }
  reports::Reports reports() const { return reports::Reports(ctx_); }
  // Spreadsheet imports (cleaning, matching, writing through the services above).
  imports::Imports imports() const { return imports::Imports(ctx_); }
  // The change feed: committed changes in commit order, for webhooks and sync.
  events::Events events() const { return events::Events(ctx_); }

  // Field-level history of any record ("customer", "contact", "user", "team", ...), with scope
  // checks for customers and contacts.
  Table history(const std::string& entity, std::int64_t id) const;

  Clock& clock() const { return ctx_.live().clock; }
  // The database's time zone ("UTC", "Asia/Shanghai"): the calendar of report periods, due
  // dates, daily quotas, date text and rule dates. Instants are stored in UTC regardless.
  std::string timezone() const { return ctx_.zone().name(); }
  // Changes it, recorded in history (entity "settings", field "timezone"); all-day tasks keep
  // their dates. Throws PermissionDenied unless the view is the system view or an admin, and
  // ValidationError for an unknown name. Other processes that have the file open see the new
  // zone when they open it again.
  void set_timezone(const std::string& name) const;
  // Lets go of the database; other views made from this one keep it open until they go too.
  void close() { ctx_.engine.reset(); }
  bool closed() const { return !ctx_.engine; }
  db::Database& database() const { return ctx_.db(); }
  const org::Principal& principal() const { return *ctx_.who; }
  const Context& context() const { return ctx_; }

 private:
  explicit Crm(Context ctx) : ctx_(std::move(ctx)) {}
  Context ctx_;
};

}  // namespace crmkit
