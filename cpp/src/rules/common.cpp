#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "common_internal.h"

namespace crmkit::rules::detail {

bool decode_utf8(std::string_view text, std::vector<char32_t>& out,
                 std::vector<std::size_t>& byte_offsets, std::size_t& bad_byte) {
  out.clear();
  byte_offsets.clear();
  out.reserve(text.size());
  byte_offsets.reserve(text.size() + 1);
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    char32_t cp = 0;
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      cp = b0;
      len = 1;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1F;
      len = 2;
      min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0F;
      len = 3;
      min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07;
      len = 4;
      min = 0x10000;
    } else {
      bad_byte = i;
      return false;
    }
    if (i + len > n) {
      bad_byte = i;
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) {
        bad_byte = i;
        return false;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      bad_byte = i;
      return false;
    }
    out.push_back(cp);
    byte_offsets.push_back(i);
    i += len;
  }
  byte_offsets.push_back(n);
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_blank(char32_t cp) noexcept {
  switch (cp) {
    case ' ': case '\t': case '\n': case '\r': case '\f': case '\v':
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

namespace {
// Non-ASCII code points that are punctuation, symbols, spaces or emoji rather than letters.
// Without a Unicode database we list the blocks a rule author is likely to type by accident
// (full-width brackets and quotes, comparison signs, emoji); everything else above ASCII counts as
// a letter so that names in any script work.
bool is_non_letter(char32_t cp) noexcept {
  if (cp <= 0xBF) return true;  // C1 controls and Latin-1 punctuation/symbols
  if (cp == 0xD7 || cp == 0xF7) return true;
  if (cp >= 0x2000 && cp <= 0x206F) return true;  // general punctuation, spaces, quotes
  if (cp >= 0x2190 && cp <= 0x2BFF) return true;  // arrows, math operators, shapes, dingbats
  if (cp >= 0x3000 && cp <= 0x303F && !(cp >= 0x3005 && cp <= 0x3007)) return true;
  if (cp >= 0xFE10 && cp <= 0xFE1F) return true;
  if (cp >= 0xFE30 && cp <= 0xFE6F) return true;
  if (cp == 0xFEFF) return true;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return true;  // full-width ! " # ... ( ) , - . /
  if (cp >= 0xFF1A && cp <= 0xFF20) return true;  // full-width : ; < = > ? @
  if (cp >= 0xFF3B && cp <= 0xFF40) return true;
  if (cp >= 0xFF5B && cp <= 0xFF65) return true;
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return true;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return true;  // emoji and pictographs
  return false;
}
}  // namespace

bool is_ident_start(char32_t cp) noexcept {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
  return !is_non_letter(cp);
}

bool is_ident_part(char32_t cp) noexcept {
  return is_ident_start(cp) || (cp >= '0' && cp <= '9');
}

namespace {
bool read_digits(std::string_view s, std::size_t& i, std::size_t count, int& out) {
  if (i + count > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += count;
  out = v;
  return true;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

std::optional<std::int64_t> parse_datetime_ms(std::string_view s, const TimeZone& zone) {
  std::size_t i = 0;
  int year = 0, month = 0, day = 0;
  if (!read_digits(s, i, 4, year) || i >= s.size() || s[i++] != '-') return std::nullopt;
  if (!read_digits(s, i, 2, month) || i >= s.size() || s[i++] != '-') return std::nullopt;
  if (!read_digits(s, i, 2, day)) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t ms = static_cast<std::int64_t>(std::chrono::sys_days{ymd}.time_since_epoch().count()) *
                    kMsPerDay;
  if (i == s.size()) return zone.day_start(ms / kMsPerDay);
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
  ++i;
  int hour = 0, minute = 0, second = 0;
  if (!read_digits(s, i, 2, hour) || i >= s.size() || s[i++] != ':') return std::nullopt;
  if (!read_digits(s, i, 2, minute)) return std::nullopt;
  if (hour > 23 || minute > 59) return std::nullopt;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!read_digits(s, i, 2, second) || second > 59) return std::nullopt;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int millis = 0;
      std::size_t digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        // Digits beyond milliseconds are accepted and truncated: storage has ms resolution.
        if (digits < 3) millis = millis * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) return std::nullopt;
      for (std::size_t k = digits; k < 3; ++k) millis *= 10;
      ms += millis;
    }
  }
  ms += hour * kMsPerHour + minute * 60000LL + second * 1000LL;
  if (i == s.size()) return zone.from_local(ms);
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size() ? std::optional(ms) : std::nullopt;
  if (s[i] != '+' && s[i] != '-') return std::nullopt;
  const int sign = s[i] == '+' ? 1 : -1;
  ++i;
  int oh = 0, om = 0;
  if (!read_digits(s, i, 2, oh)) return std::nullopt;
  if (i < s.size() && s[i] == ':') ++i;
  if (!read_digits(s, i, 2, om) || i != s.size() || oh > 23 || om > 59) return std::nullopt;
  // Local time = UTC + offset, so UTC = local - offset.
  return ms - sign * (oh * kMsPerHour + om * 60000LL);
}

std::string format_date(std::int64_t ms) {
  const std::int64_t days = floor_div(ms, kMsPerDay);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string format_datetime(std::int64_t ms) {
  // The time of day as the remainder: multiplying the day back into milliseconds overflows
  // int64 for the earliest instants.
  std::int64_t rest = ms % kMsPerDay;
  if (rest < 0) rest += kMsPerDay;
  const auto h = static_cast<int>(rest / kMsPerHour);
  const auto m = static_cast<int>(rest / 60000 % 60);
  const auto s = static_cast<int>(rest / 1000 % 60);
  const auto f = static_cast<int>(rest % 1000);
  char buf[32];
  if (f != 0) {
    std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d.%03dZ", h, m, s, f);
  } else {
    std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", h, m, s);
  }
  return format_date(ms) + buf;
}

std::string format_instant(std::int64_t ms) {
  return ms % kMsPerDay == 0 ? format_date(ms) : format_datetime(ms);  // (no day * ms overflow)
}

std::string format_double(double d) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string out(buf, res.ptr);
  if (out.find_first_of(".eni") == std::string::npos) out += ".0";
  return out;
}

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t cap) {
  const std::size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > cap) return cap + 1;
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], cap + 1);
}

std::u32string to_u32(std::string_view utf8) {
  std::vector<char32_t> cps;
  std::vector<std::size_t> offsets;
  std::size_t bad = 0;
  if (!decode_utf8(utf8, cps, offsets, bad)) return {};
  return std::u32string(cps.begin(), cps.end());
}

}  // namespace crmkit::rules::detail
