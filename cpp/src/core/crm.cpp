#include "crmkit/crm.hpp"

#include "crmkit/customers/keys.hpp"
#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/segments/segments.hpp"

namespace crmkit {

Crm Crm::open(const std::string& path, const db::OpenOptions& options) {
  auto engine = std::make_shared<Engine>(path, options);
  engine->segment_members = segments::segment_members;
  Context ctx{engine, std::make_shared<const org::Principal>(org::system_principal())};
  // Customers and contacts written before identity keys existed (schema 8) get theirs once.
  customers::CustomerKeys(ctx).backfill();
  return Crm(std::move(ctx));
}

Crm Crm::as_user(std::int64_t user_id) const {
  // A scoped view is a boundary: only the system view or an admin may take on someone else.
  if (!ctx_.who->is_system() && !ctx_.who->is_admin && ctx_.who->user_id != user_id)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not act as another user");
  auto who = std::make_shared<const org::Principal>(org::load_principal(ctx_.db(), user_id));
  return Crm(Context{ctx_.engine, who});
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
