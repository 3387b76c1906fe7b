#include "crmkit/workflow/install.hpp"

#include "crmkit/pipeline/observer.hpp"
#include "request_store_internal.h"

namespace crmkit::workflow {

void install(Engine& engine) {
  pipeline::set_pending_step_lookup(engine, [](const Context& ctx, std::int64_t request_id) {
    auto req = internal::load_request(ctx, request_id);
    return req ? req->step_name : std::nullopt;
  });
}

}  // namespace crmkit::workflow
