// crmkit/log.hpp — the engine's logger.
//
// One spdlog logger named "crmkit". Debug records name the operation and ids; personal data is
// never logged at info level or above. A host (the Python bindings) may install a forwarder that
// receives every record at or above the current level; the forwarder is called on the logging
// thread, so it must not block on locks the engine might hold (the bindings queue records and
// deliver them to Python's logging once the call returns).
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace crmkit::log {

// The shared "crmkit" logger (created on first use, level "warning").
spdlog::logger& logger();

// Sets the level by name: trace, debug, info, warning (or warn), error, critical, off.
// Throws ValidationError for any other name.
void set_level(const std::string& level);
std::string level();

// Installs (or, with an empty function, removes) the record forwarder: (level name, message).
using Forwarder = std::function<void(const std::string& level, const std::string& message)>;
void set_forwarder(Forwarder forwarder);

}  // namespace crmkit::log
