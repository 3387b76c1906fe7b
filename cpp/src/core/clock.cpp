#include "crmkit/clock.hpp"

#include <chrono>

namespace crmkit {

std::int64_t Clock::now_ms() const {
  if (frozen_.load()) return frozen_at_.load();
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count() + offset_.load();
}

void Clock::freeze(std::int64_t ms) {
  frozen_at_.store(ms);
  frozen_.store(true);
}

void Clock::advance(std::int64_t delta_ms) {
  if (frozen_.load())
    frozen_at_.fetch_add(delta_ms);
  else
    offset_.fetch_add(delta_ms);
}

void Clock::unfreeze() {
  frozen_.store(false);
  offset_.store(0);
}

}  // namespace crmkit
