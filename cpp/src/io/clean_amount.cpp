// Money as people write it (see crmkit/io/clean.hpp).
#include <limits>

#include "crmkit/io/clean.hpp"

namespace crmkit::io {
namespace {

using R = Cleaned<std::int64_t>;

bool strip_prefix(std::string& s, std::string_view p) {
  if (!s.starts_with(p)) return false;
  s.erase(0, p.size());
  return true;
}

bool strip_suffix(std::string& s, std::string_view p) {
  if (!s.ends_with(p)) return false;
  s.resize(s.size() - p.size());
  return true;
}

// "12,800" or "12800": commas, if any, separate groups of exactly three digits.
bool integer_part(std::string_view s, std::string& digits) {
  if (s.empty()) return false;
  const bool grouped = s.find(',') != std::string_view::npos;
  std::size_t since_comma = 0, groups = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ',') {
      if (i == 0 || (groups > 0 && since_comma != 3) || (groups == 0 && since_comma > 3)) return false;
      ++groups;
      since_comma = 0;
      continue;
    }
    if (c < '0' || c > '9') return false;
    digits += c;
    ++since_comma;
  }
  return !grouped || since_comma == 3;
}

}  // namespace

Cleaned<std::int64_t> clean_amount(std::string_view raw) {
  auto cleaned = clean_text(raw);
  if (!cleaned) return R::bad(cleaned.problem);
  const std::string text = *cleaned.value;
  std::string s = text;
  if (s.empty()) return R::bad("an amount must not be empty");
  bool negative = strip_prefix(s, "-");
  strip_prefix(s, "¥") || strip_prefix(s, "RMB") || strip_prefix(s, "CNY");
  if (!negative) negative = strip_prefix(s, "-");
  strip_suffix(s, "元");
  int multiplier_zeros = 0;
  if (strip_suffix(s, "万"))
    multiplier_zeros = 4;
  else if (strip_suffix(s, "亿"))
    multiplier_zeros = 8;
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  const auto dot = s.find('.');
  std::string digits;
  if (!integer_part(s.substr(0, dot), digits))
    return R::bad("'" + text + "' is not an amount (digits, commas only between groups of three, one '.')");
  std::string fraction = dot == std::string::npos ? "" : s.substr(dot + 1);
  for (char c : fraction)
    if (c < '0' || c > '9') return R::bad("'" + text + "' is not an amount: the part after '.' must be digits");
  if (dot != std::string::npos && fraction.empty()) return R::bad("'" + text + "' ends in '.' with no digits after it");
  // value = digits.fraction × 10^multiplier_zeros; in cents, rounded half away from zero. Every
  // step is overflow-checked: an amount too large for 64-bit cents is a problem, never wrapped.
  const std::string too_large = "'" + text + "' is too large an amount";
  std::int64_t scaled = 0;
  for (char c : digits + fraction)
    if (__builtin_mul_overflow(scaled, 10, &scaled) || __builtin_add_overflow(scaled, c - '0', &scaled))
      return R::bad(too_large);
  int exponent = multiplier_zeros + 2 - static_cast<int>(fraction.size());
  for (; exponent > 0; --exponent)
    if (__builtin_mul_overflow(scaled, 10, &scaled)) return R::bad(too_large);
  std::int64_t value = scaled;
  if (exponent < 0) {
    std::int64_t divisor = 1;
    for (; exponent < 0 && divisor <= std::numeric_limits<std::int64_t>::max() / 10; ++exponent) divisor *= 10;
    if (exponent < 0) {
      value = 0;  // more than 18 places after the cent: nothing of it reaches half a cent
    } else {
      value = scaled / divisor + (scaled % divisor >= divisor / 2 ? 1 : 0);
    }
  }
  return R::ok(negative ? -value : value);
}

}  // namespace crmkit::io
