// Text and e-mail cleaning (see crmkit/io/clean.hpp).
#include <algorithm>
#include <cctype>
#include <vector>

#include "crmkit/error.hpp"
#include "crmkit/io/clean.hpp"
#include "crmkit/text.hpp"

namespace crmkit::io {
namespace {

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (std::size_t at; (at = s.find(sep, from)) != std::string_view::npos; from = at + 1)
    parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  return parts;
}

// A domain label: letters, digits and inner hyphens; bytes above ASCII are allowed for
// internationalised domains (validated as UTF-8 already).
bool domain_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || std::isalnum(c) || c == '-';
  });
}

}  // namespace

Cleaned<std::string> clean_text(std::string_view raw) {
  if (!text::is_valid_utf8(raw)) return Cleaned<std::string>::bad("not valid UTF-8 text");
  return Cleaned<std::string>::ok(text::collapse_space(text::nfkc(raw)));
}

Cleaned<std::string> clean_email(std::string_view raw) {
  auto cleaned = clean_text(raw);
  if (!cleaned) return cleaned;
  const std::string email = lower_ascii(*cleaned.value);
  using R = Cleaned<std::string>;
  if (email.empty()) return R::bad("an e-mail address must not be empty");
  if (email.size() > text::kMaxEmail) return R::bad("an e-mail address is at most 254 characters long");
  if (std::count(email.begin(), email.end(), '@') != 1) return R::bad("an e-mail address has exactly one '@'");
  for (unsigned char c : email)
    if (c <= 0x20 || c == 0x7f) return R::bad("an e-mail address has no spaces or control characters");
  const auto at = email.find('@');
  const std::string_view local(email.data(), at);
  const std::string_view domain(email.data() + at + 1, email.size() - at - 1);
  if (local.empty() || local.size() > 64) return R::bad("the part before '@' must be 1 to 64 characters");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return R::bad("the part before '@' may not start or end with a dot or hold two in a row");
  const auto labels = split(domain, '.');
  if (labels.size() < 2) return R::bad("the domain after '@' needs a dot (example.cn)");
  for (auto label : labels)
    if (!domain_label(label)) return R::bad("the domain after '@' has an empty or malformed part");
  const auto tld = labels.back();
  const bool letters = std::all_of(tld.begin(), tld.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x80 || std::isalpha(c);
  });
  if (tld.size() < 2 || !letters) return R::bad("the domain must end in a top-level name of letters (.cn, .com)");
  return R::ok(email);
}

}  // namespace crmkit::io
