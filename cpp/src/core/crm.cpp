#include "crmkit/crm.hpp"

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/customers/install.hpp"
#include "crmkit/pipeline/install.hpp"
#include "crmkit/relationship/install.hpp"
#include "crmkit/segments/install.hpp"
#include "crmkit/workflow/install.hpp"

namespace crmkit {

Crm Crm::open(const std::string& path, const db::OpenOptions& options) {
  auto engine = std::make_shared<Engine>(path, options);
  // The higher domains attach what lower ones call without depending on them (creation hooks,
  // catalog parts, segment members), before the engine is shared.
  customers::install(*engine);
  relationship::install(*engine);
  pipeline::install(*engine);
  segments::install(*engine);
  workflow::install(*engine);
  return Crm(Context{engine, std::make_shared<const org::Principal>(org::system_principal())});
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
