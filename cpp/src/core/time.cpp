#include "crmkit/time.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include <date/tz.h>

#include "crmkit/error.hpp"

namespace crmkit {
namespace {

// A tiny cursor over ASCII text; the formats accepted are fixed-width, so no regex is needed.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool digits(std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = v;
    i += n;
    return true;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(std::string_view text, const std::string& field, const char* expected) {
  throw ValidationError(field + ": '" + std::string(text) + "' is not " + expected, field);
}

bool parse_civil(Cursor& c, std::int64_t& day_ms) {
  int y = 0, m = 0, d = 0;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, m) || !c.eat('-') || !c.digits(2, d)) return false;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  day_ms = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * kMillisPerDay;
  return true;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

using Millis = std::chrono::milliseconds;

}  // namespace

TimeZone TimeZone::named(std::string_view name, const std::string& field) {
  if (name == "UTC") return TimeZone{};
  try {
    return TimeZone{date::locate_zone(name)};
  } catch (const std::exception&) {
    // An unknown name (the library throws std::runtime_error), or no tzdata on the system.
    throw ValidationError(field + ": '" + std::string(name) +
                              "' is not a time zone of the IANA database (such as Asia/Shanghai, Europe/Berlin "
                              "or UTC)",
                          field);
  }
}

std::string TimeZone::name() const { return zone_ ? std::string(zone_->name()) : std::string("UTC"); }

std::int64_t TimeZone::offset_ms(std::int64_t utc_ms) const {
  if (!zone_) return 0;
  auto info = zone_->get_info(date::sys_time<Millis>{Millis{utc_ms}});
  return std::chrono::duration_cast<Millis>(info.offset).count();
}

std::int64_t TimeZone::to_local(std::int64_t utc_ms) const { return utc_ms + offset_ms(utc_ms); }

std::int64_t TimeZone::from_local(std::int64_t local_ms) const {
  if (!zone_) return local_ms;
  // For a skipped time `first` is the period before the jump, for a repeated one the earlier
  // period: in both cases the offset this class documents.
  auto info = zone_->get_info(date::local_time<Millis>{Millis{local_ms}});
  return local_ms - std::chrono::duration_cast<Millis>(info.first.offset).count();
}

std::int64_t TimeZone::local_day(std::int64_t utc_ms) const { return floor_div(to_local(utc_ms), kMillisPerDay); }

std::int64_t TimeZone::day_start(std::int64_t day) const {
  const std::int64_t midnight = day * kMillisPerDay;
  if (!zone_) return midnight;
  auto info = zone_->get_info(date::local_time<Millis>{Millis{midnight}});
  if (info.result == date::local_info::nonexistent)  // the day begins with the jump itself
    return std::chrono::duration_cast<Millis>(info.second.begin.time_since_epoch()).count();
  return midnight - std::chrono::duration_cast<Millis>(info.first.offset).count();
}

std::int64_t TimeZone::start_of(Date d) const { return day_start(floor_div(d.ms, kMillisPerDay)); }

std::int64_t TimeZone::grain_ms() const {
  if (!zone_) return kMillisPerDay;
  static std::mutex mutex;
  static std::map<const date::time_zone*, std::int64_t> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, fresh] = cache.try_emplace(zone_, 0);
  if (!fresh) return it->second;
  // Walks the zone's periods (each a constant offset) from 1972 to 2100; the rules repeat after
  // the last one written, so later years add nothing new.
  using namespace std::chrono;
  const date::sys_seconds end = date::sys_days{date::year{2100} / 1 / 1};
  date::sys_seconds t = date::sys_days{date::year{1972} / 1 / 1};
  std::int64_t grain = kMillisPerHour;
  auto fits = [&](std::int64_t ms) {
    for (std::int64_t g : {kMillisPerHour, 15 * 60 * kMillisPerSecond, 60 * kMillisPerSecond, kMillisPerSecond})
      if (g <= grain && ms % g == 0) return g;
    return std::int64_t{1};
  };
  while (t < end) {
    auto info = zone_->get_info(t);
    grain = std::min(grain, fits(duration_cast<Millis>(info.offset).count()));
    if (info.end >= end) break;
    grain = std::min(grain, fits(duration_cast<Millis>(info.end.time_since_epoch()).count()));
    t = info.end;
  }
  it->second = grain;
  return grain;
}

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}}
      .time_since_epoch()
      .count();
}

std::int64_t floor_to_day(std::int64_t ms) {
  std::int64_t d = ms / kMillisPerDay;
  if (ms % kMillisPerDay < 0) --d;
  return d * kMillisPerDay;
}

bool is_date_text(std::string_view text) {
  text = trim(text);
  Cursor c{text};
  std::int64_t ms = 0;
  return parse_civil(c, ms) && c.done();
}

Date parse_date(std::string_view text, const std::string& field) {
  std::string_view t = trim(text);
  Cursor c{t};
  std::int64_t ms = 0;
  if (!parse_civil(c, ms) || !c.done()) bad(text, field, "a date (YYYY-MM-DD)");
  return Date{ms};
}

Timestamp parse_timestamp(std::string_view text, const std::string& field, const TimeZone& zone) {
  constexpr const char* expected = "a date or time (ISO-8601, e.g. 2026-01-15T09:30:00Z)";
  std::string_view t = trim(text);
  Cursor c{t};
  std::int64_t ms = 0;
  if (!parse_civil(c, ms)) bad(text, field, expected);
  if (c.done()) return Timestamp{zone.day_start(ms / kMillisPerDay)};
  if (!c.eat('T') && !c.eat(' ') && !c.eat('t')) bad(text, field, expected);
  int hh = 0, mm = 0, ss = 0;
  if (!c.digits(2, hh) || !c.eat(':') || !c.digits(2, mm)) bad(text, field, expected);
  if (c.eat(':') && !c.digits(2, ss)) bad(text, field, expected);
  if (hh > 23 || mm > 59 || ss > 60) bad(text, field, expected);
  std::int64_t frac_ms = 0;
  if (c.eat('.')) {
    int scale = 100, n = 0;
    while (!c.done() && c.s[c.i] >= '0' && c.s[c.i] <= '9') {
      frac_ms += (c.s[c.i] - '0') * scale;
      scale /= 10;
      ++c.i;
      ++n;
    }
    if (n == 0) bad(text, field, expected);
  }
  std::int64_t offset_ms = 0;
  bool local = false;  // no offset written: a wall-clock time in `zone`
  if (c.eat('Z') || c.eat('z')) {
  } else if (!c.done() && (c.s[c.i] == '+' || c.s[c.i] == '-')) {
    bool minus = c.s[c.i] == '-';
    ++c.i;
    int oh = 0, om = 0;
    if (!c.digits(2, oh)) bad(text, field, expected);
    c.eat(':');
    if (!c.digits(2, om) || oh > 23 || om > 59) bad(text, field, expected);
    offset_ms = (oh * 60 + om) * 60 * kMillisPerSecond * (minus ? -1 : 1);
  } else {
    local = true;
  }
  if (!c.done()) bad(text, field, expected);
  ms += hh * kMillisPerHour + mm * 60 * kMillisPerSecond + ss * kMillisPerSecond + frac_ms;
  return Timestamp{local ? zone.from_local(ms) : ms - offset_ms};
}

std::string format_timestamp(std::int64_t ms) {
  using namespace std::chrono;
  std::int64_t day = floor_to_day(ms);
  year_month_day ymd{sys_days{days{day / kMillisPerDay}}};
  std::int64_t rest = ms - day;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(rest / kMillisPerHour), static_cast<int>(rest / 60000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buf;
}

std::string format_date(std::int64_t ms) { return format_timestamp(ms).substr(0, 10); }

}  // namespace crmkit
