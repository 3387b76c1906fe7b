// crmkit/relationship/install.hpp — what the relationship domain attaches to an engine.
//
// Called once when a CRM opens: a facts row for every new customer (inside the creating
// transaction), the reader that shows the facts on customer records, and the facts fields of the
// customer rule catalog, each read through a JOIN of the facts table this domain owns.
#pragma once

#include "crmkit/context.hpp"

namespace crmkit::relationship {

void install(Engine& engine);

}  // namespace crmkit::relationship
