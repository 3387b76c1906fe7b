#include "crmkit/log.hpp"

#include <cctype>
#include <mutex>

#include <spdlog/sinks/base_sink.h>

#include "crmkit/error.hpp"

namespace crmkit::log {
namespace {

std::mutex forwarder_mutex;
Forwarder current_forwarder;

// A sink that hands each formatted record to the installed forwarder, if any.
class ForwardingSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    Forwarder f;
    {
      std::lock_guard<std::mutex> lock(forwarder_mutex);
      f = current_forwarder;
    }
    if (!f) return;
    auto level = spdlog::level::to_string_view(msg.level);
    f(std::string(level.data(), level.size()), std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}
};

std::shared_ptr<spdlog::logger> make_logger() {
  auto sink = std::make_shared<ForwardingSink>();
  auto l = std::make_shared<spdlog::logger>("crmkit", sink);
  l->set_level(spdlog::level::warn);
  return l;
}

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

void set_level(const std::string& requested) {
  std::string level = requested;
  for (auto& ch : level) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string name = level == "warning" ? "warn" : level;
  auto parsed = spdlog::level::from_str(name);
  if (parsed == spdlog::level::off && name != "off")
    throw ValidationError("level: unknown log level '" + level +
                              "' (use trace, debug, info, warning, error, critical or off)",
                          "level");
  logger().set_level(parsed);
}

std::string level() {
  auto v = spdlog::level::to_string_view(logger().level());
  std::string s(v.data(), v.size());
  return s == "warning" || s == "warn" ? "warning" : s;
}

void set_forwarder(Forwarder forwarder) {
  std::lock_guard<std::mutex> lock(forwarder_mutex);
  current_forwarder = std::move(forwarder);
}

}  // namespace crmkit::log
