// crmkit/segments/install.hpp — what the segments domain attaches to an engine.
//
// Called once when a CRM opens: saved segments' members for the lower domains that target them
// (revisit plans), and group membership in the customer rule catalog (this domain owns groups).
#pragma once

#include "crmkit/context.hpp"

namespace crmkit::segments {

void install(Engine& engine);

}  // namespace crmkit::segments
