// Calendar dates in the forms spreadsheets hold (see crmkit/io/clean.hpp).
#include <array>
#include <charconv>
#include <vector>

#include "crmkit/io/clean.hpp"
#include "crmkit/time.hpp"

namespace crmkit::io {
namespace {

using R = Cleaned<std::int64_t>;

constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",   "May",      "June",
                                                  "July",    "August",   "September", "October", "November", "December"};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int number(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

R civil(const std::string& text, int y, int m, int d) {
  if (y < 1000 || y > 9999) return R::bad("'" + text + "': the year must have four digits");
  if (m < 1 || m > 12) return R::bad("'" + text + "': there is no month " + std::to_string(m));
  const int last = days_in(y, m);
  if (d < 1 || d > last)
    return R::bad("'" + text + "' is not a date: " + kMonths[static_cast<std::size_t>(m - 1)] + " " +
                  std::to_string(y) + " has " + std::to_string(last) + " days");
  return R::ok(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
}

// Splits "2026-1-5" on one separator into digit groups; empty when the text is not of that form.
std::vector<std::string_view> groups(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t from = 0;
  for (std::size_t at; (at = s.find(sep, from)) != std::string_view::npos; from = at + 1)
    out.push_back(s.substr(from, at - from));
  out.push_back(s.substr(from));
  for (auto g : out)
    if (!all_digits(g) || g.size() > 4) return {};
  return out;
}

// "2026年1月5日" (also with 号 for the day, or without a day mark).
bool chinese(std::string_view s, std::string_view& y, std::string_view& m, std::string_view& d) {
  const auto year = s.find("年");
  const auto month = s.find("月");
  if (year == std::string_view::npos || month == std::string_view::npos || month < year) return false;
  y = s.substr(0, year);
  m = s.substr(year + 3, month - year - 3);
  d = s.substr(month + 3);
  for (std::string_view mark : {"日", "号"})
    if (d.size() >= mark.size() && d.substr(d.size() - mark.size()) == mark) d.remove_suffix(mark.size());
  return all_digits(y) && all_digits(m) && all_digits(d);
}

}  // namespace

Cleaned<std::int64_t> clean_date(std::string_view raw) {
  auto cleaned = clean_text(raw);
  if (!cleaned) return R::bad(cleaned.problem);
  std::string text = *cleaned.value;
  if (text.empty()) return R::bad("a date must not be empty");
  // A date exported with a midnight time ("2026-01-05 00:00:00") is still that date; any other
  // time would be lost, so it is refused rather than truncated.
  if (const auto space = text.find_first_of(" T"); space != std::string::npos) {
    const std::string time = text.substr(space + 1);
    if (time != "00:00" && time != "00:00:00" && time != "00:00:00.000")
      return R::bad("'" + text + "' has a time of day; a date column takes a date only");
    text.resize(space);
  }
  std::string_view y, m, d;
  if (chinese(text, y, m, d)) return civil(text, number(y), number(m), number(d));
  for (char sep : {'-', '/', '.'}) {
    auto g = groups(text, sep);
    if (g.size() == 3 && g[0].size() == 4) return civil(text, number(g[0]), number(g[1]), number(g[2]));
  }
  if (all_digits(text) && text.size() == 8)  // 20260105
    return civil(text, number(text.substr(0, 4)), number(text.substr(4, 2)), number(text.substr(6, 2)));
  std::string serial = text;
  if (serial.size() > 2 && serial.ends_with(".0")) serial.resize(serial.size() - 2);
  if (all_digits(serial) && serial.size() <= 5) {
    // Excel's 1900 date system counts 1900-01-01 as day 1 and has a 29 February 1900 (day 60)
    // that never was; from day 61 on, day n is 1899-12-30 plus n days.
    const int n = number(serial);
    if (n == 0) return R::bad("'" + text + "' is day 0 of a spreadsheet's calendar, not a date");
    if (n == 60) return R::bad("'" + text + "' is the spreadsheet day 1900-02-29, which did not exist");
    const std::int64_t base = days_from_civil(1899, 12, n < 60 ? 31 : 30);
    return R::ok(base + n);
  }
  return R::bad("'" + text + "' is not a date (use 2026-01-05, 2026/1/5, 2026.01.05 or 2026年1月5日)");
}

}  // namespace crmkit::io
