// crmkit/schema/config_epoch.hpp — whether the configuration may have changed since a cache
// looked.
//
// What the rule catalogs are built from — field definitions, stages, document kinds — changes
// rarely, while a catalog is needed by every approval and submission. The writers of those tables
// call config_changed() inside their transaction; a cache compares config_epoch() with the epoch
// it built under (the rules of crmkit/db/epoch.hpp).
#pragma once

#include <cstdint>
#include <optional>

#include "crmkit/context.hpp"

namespace crmkit::schema {

// The engine's configuration epoch; nullopt while the current transaction is changing it.
std::optional<std::uint64_t> config_epoch(const Context& ctx);
// Called by every writer of field definitions, stages and document kinds, inside its transaction.
void config_changed(const Context& ctx);

}  // namespace crmkit::schema
