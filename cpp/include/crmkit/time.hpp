// crmkit/time.hpp — instants and calendar dates as the engine stores them.
//
// Storage keeps every instant as INTEGER milliseconds since the Unix epoch, UTC, and every
// calendar date as the instant of its midnight UTC. These helpers parse what users type
// (ISO-8601 text) and format what the engine reports. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crmkit {

constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::int64_t kMillisPerHour = 3600 * kMillisPerSecond;
constexpr std::int64_t kMillisPerDay = 24 * kMillisPerHour;

// An instant (ms since the epoch, UTC). A distinct type so that bindings convert it to and from
// timezone-aware datetimes and never confuse it with a plain integer.
struct Timestamp {
  std::int64_t ms = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// A calendar date, carried as the instant of its midnight UTC.
struct Date {
  std::int64_t ms = 0;
  friend auto operator<=>(const Date&, const Date&) = default;
};

// Parses "2026-01-15", "2026-01-15T09:30", "2026-01-15 09:30:00.250", with an optional "Z" or
// "+08:00" offset (no offset means UTC). Throws ValidationError naming `field` on anything else,
// including impossible dates such as 2026-02-30.
Timestamp parse_timestamp(std::string_view text, const std::string& field);

// Parses "2026-01-15" only. Throws ValidationError naming `field` otherwise.
Date parse_date(std::string_view text, const std::string& field);

// True when `text` is a bare date (no time part).
bool is_date_text(std::string_view text);

// Midnight UTC of the day containing `ms`.
std::int64_t floor_to_day(std::int64_t ms);

// Days since the epoch of a civil date (proleptic Gregorian), and back.
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

// "2026-01-15T09:30:00.000Z"
std::string format_timestamp(std::int64_t ms);
// "2026-01-15"
std::string format_date(std::int64_t ms);

}  // namespace crmkit
