// crmkit/time.hpp — instants and calendar dates as the engine stores them.
//
// Storage keeps every instant as INTEGER milliseconds since the Unix epoch, UTC, and every
// calendar date as the instant of its midnight UTC (a label for the day, not an instant of it).
// The calendar people live in is the database's time zone (TimeZone below): every local notion
// (a report's day, week, month or quarter; "due on a date"; "today" for a quota; date text
// without an offset) is reckoned through that one class. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

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

// A zone of the IANA time zone database (the system's tzdata, read through Howard Hinnant's
// date/tz library): the calendar of one CRM database. It maps instants to local days and wall
// clocks and back, across daylight-saving changes (a day in Europe/Berlin is 23 or 25 hours long
// twice a year). The default-constructed zone is UTC, where every mapping is the identity.
// A cheap value (a pointer to the library's immutable zone, loaded once per process).
class TimeZone {
 public:
  TimeZone() = default;  // UTC
  // The zone of an IANA name ("Asia/Shanghai", "Europe/Berlin", "UTC"). Throws ValidationError
  // naming `field` for a name the database does not know.
  static TimeZone named(std::string_view name, const std::string& field = "timezone");
  std::string name() const;  // "UTC" for the default
  bool is_utc() const { return zone_ == nullptr; }

  // Offset of the local wall clock from UTC at an instant (Shanghai: +8 h).
  std::int64_t offset_ms(std::int64_t utc_ms) const;
  // The wall clock at an instant, as milliseconds since 1970-01-01T00:00 of the local calendar.
  std::int64_t to_local(std::int64_t utc_ms) const;
  // The instant a wall-clock time names. A time a daylight-saving jump skips (02:30 on the spring
  // day in Berlin) is read with the offset before the jump (03:30 summer time); a time that
  // happens twice (the autumn hour) is its first occurrence.
  std::int64_t from_local(std::int64_t local_ms) const;

  // The local calendar day of an instant, as days since 1970-01-01.
  std::int64_t local_day(std::int64_t utc_ms) const;
  // The instant a local day (days since 1970-01-01) begins: its midnight, or, where a jump
  // skips midnight, the first instant after it.
  std::int64_t day_start(std::int64_t day) const;
  // The start of the local day containing an instant, and of the day after it.
  std::int64_t start_of_day(std::int64_t utc_ms) const { return day_start(local_day(utc_ms)); }
  std::int64_t start_of_next_day(std::int64_t utc_ms) const { return day_start(local_day(utc_ms) + 1); }
  // The local date of an instant, and the instant a date begins.
  Date date_of(std::int64_t utc_ms) const { return Date{local_day(utc_ms) * kMillisPerDay}; }
  std::int64_t start_of(Date d) const;
  // The longest of 1 hour, 15 minutes, 1 minute and 1 second such that every UTC offset the
  // zone has had since 1972, and every instant it changed, is a whole multiple of it (UTC: a
  // day): slices of this length never straddle a local midnight, so SQL may group instants by
  // `at / grain_ms()` and bucket each slice's start. Asia/Shanghai and Europe/Berlin: an hour;
  // Asia/Kolkata: 15 minutes; America/St_Johns, whose clocks changed at 00:01 until 2011: a
  // minute. Computed once per zone and process.
  std::int64_t grain_ms() const;

  friend bool operator==(const TimeZone&, const TimeZone&) = default;

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;  // nullptr: UTC, computed without a table lookup
};

// Parses "2026-01-15", "2026-01-15T09:30", "2026-01-15 09:30:00.250", with an optional "Z" or
// "+08:00" offset. Text without an offset is a wall-clock time in `zone` (a bare date is the
// start of that local day); the engine passes the database's zone (Context::zone), the default
// UTC is for fixed test data. Throws ValidationError naming `field` on anything else, including
// impossible dates such as 2026-02-30.
Timestamp parse_timestamp(std::string_view text, const std::string& field, const TimeZone& zone = TimeZone{});

// Parses "2026-01-15" only. Throws ValidationError naming `field` otherwise.
Date parse_date(std::string_view text, const std::string& field);

// True when `text` is a bare date (no time part).
bool is_date_text(std::string_view text);

// Midnight UTC of the day containing `ms` (the UTC calendar; local days: TimeZone).
std::int64_t floor_to_day(std::int64_t ms);

// Days since the epoch of a civil date (proleptic Gregorian), and back.
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

// "2026-01-15T09:30:00.000Z"
std::string format_timestamp(std::int64_t ms);
// "2026-01-15"
std::string format_date(std::int64_t ms);

}  // namespace crmkit
