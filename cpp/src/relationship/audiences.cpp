// The lookups segments installs for revisit plans (crmkit/relationship/audiences.hpp).
#include "crmkit/relationship/audiences.hpp"

#include <utility>

namespace crmkit::relationship {

void install_audiences(Engine& engine, Audiences audiences) { engine.extension<Audiences>() = std::move(audiences); }

const Audiences& audiences(const Context& ctx) { return ctx.live().extension<Audiences>(); }

}  // namespace crmkit::relationship
