#include "crmkit/text.hpp"

#include <nlohmann/json.hpp>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "crmkit/error.hpp"

namespace crmkit::text {
namespace {

bool is_space(UChar32 c) { return u_isUWhiteSpace(c) || c == 0xFEFF; }

}  // namespace

std::string trim(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size());
  int32_t begin = 0, end = n;
  while (begin < n) {
    int32_t i = begin;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !is_space(c)) break;
    begin = i;
  }
  while (end > begin) {
    int32_t i = end;
    UChar32 c;
    U8_PREV(p, begin, i, c);
    if (c < 0 || !is_space(c)) break;
    end = i;
  }
  return std::string(s.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  if (!text::is_valid_utf8(s)) {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  // Runs of bytes that need no escape are copied whole; every byte of a well-formed multi-byte
  // sequence is >= 0x80 and is one of them.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default: {
        static const char* hex = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::size_t code_points(std::string_view s, const std::string& field) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size());
  std::size_t count = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) throw ValidationError(field + ": text is not valid UTF-8", field);
    ++count;
  }
  return count;
}

std::optional<std::string> clean(std::string_view s, const std::string& field, std::size_t max_len,
                                 bool required, std::optional<std::int64_t> row) {
  std::string where = row ? "row " + std::to_string(*row) + ": " : "";
  code_points(s, field);  // refuses invalid UTF-8 before anything else looks at the bytes
  std::string t = trim(s);
  if (t.empty()) {
    if (required) throw ValidationError(where + field + " must not be empty", field, row);
    return std::nullopt;
  }
  std::size_t n = code_points(t, field);
  if (n > max_len)
    throw ValidationError(where + field + " is " + std::to_string(n) + " characters long; the limit is " +
                              std::to_string(max_len),
                          field, row);
  return t;
}

namespace {

std::string normalize(const icu::Normalizer2* (*instance)(UErrorCode&), std::string_view s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* form = instance(status);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString out = U_SUCCESS(status) ? form->normalize(u, status) : u;
  if (U_FAILURE(status)) out = u;
  std::string result;
  out.toUTF8String(result);
  return result;
}

}  // namespace

std::string nfkc(std::string_view s) { return normalize(&icu::Normalizer2::getNFKCInstance, s); }

std::string collapse_space(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c >= 0 && is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out.append(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
  }
  return out;
}

std::string fold_key(std::string_view s) {
  return collapse_space(normalize(&icu::Normalizer2::getNFKCCasefoldInstance, s));
}

}  // namespace crmkit::text
