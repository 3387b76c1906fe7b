// crmkit/pipeline/install.hpp — what the pipeline domain attaches to an engine.
//
// Called once when a CRM opens: which events of opportunities and leads a scoped view sees (those
// whose own owner it covers under the entity's scope), and the schema's questions about them
// (pipeline stages in use, clearing a removed custom field).
#pragma once

#include "crmkit/context.hpp"

namespace crmkit::pipeline {

void install(Engine& engine);

}  // namespace crmkit::pipeline
