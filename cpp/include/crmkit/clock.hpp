// crmkit/clock.hpp — the engine's notion of "now".
//
// Every time-dependent operation (interaction times, task due dates, SLAs, reclaiming idle
// customers, relative dates in rules) asks this clock, so tests and notebooks can freeze and
// advance time instead of sleeping. Thread-safe: reads and writes are atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace crmkit {

class Clock {
 public:
  // Milliseconds since the epoch, UTC: the frozen instant if frozen, else the system clock.
  std::int64_t now_ms() const;
  // Stops time at `ms`. Subsequent now_ms() return exactly `ms` until advanced or unfrozen.
  void freeze(std::int64_t ms);
  // Moves time forward by `delta_ms` (negative moves back). On a running clock this adds a
  // permanent offset to the system time.
  void advance(std::int64_t delta_ms);
  // Returns to the system clock (any offset is dropped).
  void unfreeze();
  bool frozen() const { return frozen_.load(); }

 private:
  std::atomic<bool> frozen_{false};
  std::atomic<std::int64_t> frozen_at_{0};
  std::atomic<std::int64_t> offset_{0};
};

}  // namespace crmkit
