// Helpers shared by the pipeline services alone (what workflow also uses is public:
// crmkit/pipeline/engine_side.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "crmkit/pipeline/engine_side.hpp"
#include "crmkit/value.hpp"

namespace crmkit::pipeline::internal {

// Money in currency units (int or float Value) to cents; ValidationError naming `field`.
std::int64_t to_cents(const Value& v, const std::string& field);
std::string cents_text(std::int64_t cents);

}  // namespace crmkit::pipeline::internal
