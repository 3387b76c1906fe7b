// crmkit/workflow/install.hpp — what the workflow domain attaches to an engine.
//
// Called once when a CRM opens: the lookup the pipeline uses to name the step a locking approval
// request waits at (the pipeline is below workflow and does not read its tables).
#pragma once

#include "crmkit/context.hpp"

namespace crmkit::workflow {

void install(Engine& engine);

}  // namespace crmkit::workflow
