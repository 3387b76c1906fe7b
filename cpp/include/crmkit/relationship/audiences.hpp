// crmkit/relationship/audiences.hpp — the customers a revisit plan targets when they are kept by
// a domain above relationship.
//
// A plan names a tag (customers answers), a static group or a saved segment. Groups and segments
// belong to the segments domain, which depends on relationship, so segments installs these
// lookups on the engine when a CRM opens and the revisit plans call them. Without them (an engine
// without segments) a plan for a group or a segment is refused.
//
// Thread-safety: installed once at open, before any call; read-only afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::relationship {

struct Audiences {
  using Members = std::function<std::vector<std::int64_t>(const Context&, const std::string&)>;
  // A saved segment's member ids as the context's principal sees them; NotFound for an unknown one.
  Members segment_members;
  // A static group's member ids, ascending (none for an unknown group), as the system sees them.
  Members group_members;
  // Whether a static group of that name exists.
  std::function<bool(const Context&, const std::string&)> group_exists;
};

void install_audiences(Engine& engine, Audiences audiences);
// What was installed (empty functions when nothing was).
const Audiences& audiences(const Context& ctx);

}  // namespace crmkit::relationship
