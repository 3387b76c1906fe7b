// crmkit/customers/install.hpp — what the customers domain attaches to an engine.
//
// Called once when a CRM opens: which events of customer-owned records a scoped view sees (those
// whose customer it covers), decided here because this domain owns the customers' owners; and
// the schema's questions about customers and contacts (lifecycle stages in use, clearing a
// removed custom field).
#pragma once

#include "crmkit/context.hpp"

namespace crmkit::customers {

void install(Engine& engine);

}  // namespace crmkit::customers
