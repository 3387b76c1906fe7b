#include "crmkit/text.hpp"

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

std::string fold_key(std::string_view s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString folded = U_SUCCESS(status) ? nfkc->normalize(u, status) : u;
  if (U_FAILURE(status)) folded = u;
  // Collapse runs of white space to one ASCII space and drop it at the ends.
  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < folded.length();) {
    UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (is_space(c)) {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(c);
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

}  // namespace crmkit::text
