// Decoding CSV fields to UTF-8: a strict UTF-8 check written out (it runs over every non-ASCII
// field of a UTF-8 file and must be cheap), ICU's converters for GBK and GB18030.
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

#include <cstdio>
#include <vector>

#include "crmkit/error.hpp"
#include "encoding_internal.h"

namespace crmkit::io::detail {

namespace {

// The length of the UTF-8 sequence at `p` (1..4), 0 when it is not a valid one, or -1 when it is
// the valid beginning of a sequence cut off by `end`.
int utf8_sequence(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  int n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c == 0xED) { n = 3; hi = 0x9F; }  // no UTF-16 surrogates
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }  // nothing past U+10FFFF
  else return 0;
  for (int i = 1; i < n; ++i) {
    if (p + i >= end) return -1;
    unsigned char b = p[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return n;
}

}  // namespace

Utf8Evidence utf8_evidence(std::string_view bytes) {
  Utf8Evidence e;
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto* end = p + bytes.size();
  while (p < end) {
    if (*p < 0x80) { ++p; continue; }
    int n = utf8_sequence(p, end);
    if (n == -1) break;
    if (n == 0) {
      ++e.invalid;
      ++p;
    } else {
      ++e.sequences;
      p += n;
    }
  }
  return e;
}

std::size_t first_non_ascii(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (static_cast<unsigned char>(bytes[i]) >= 0x80) return i;
  return std::string_view::npos;
}

std::string hex_bytes(std::string_view bytes, std::size_t max) {
  std::string out;
  char b[8];
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    std::snprintf(b, sizeof b, "%s0x%02X", i ? " " : "", static_cast<unsigned char>(bytes[i]));
    out += b;
  }
  if (bytes.size() > max) out += " ...";
  return out;
}

struct Decoder::Icu {
  UConverter* converter = nullptr;
  std::vector<UChar> utf16;
  ~Icu() {
    if (converter) ucnv_close(converter);
  }
};

Decoder::Decoder(const std::string& encoding) : encoding_(encoding) {
  if (encoding == "utf-8" || encoding == "utf-8-sig") return;
  icu_ = std::make_unique<Icu>();
  UErrorCode status = U_ZERO_ERROR;
  // ICU's "GBK" is Windows code page 936, what "GBK" means in files saved on Chinese Windows.
  icu_->converter = ucnv_open(encoding == "gbk" ? "GBK" : "GB18030", &status);
  if (U_FAILURE(status)) throw Error("cannot open the " + encoding + " converter: " + u_errorName(status));
}

Decoder::~Decoder() = default;

bool Decoder::decode(std::string_view raw, std::string& out, std::string& bad) {
  if (first_non_ascii(raw) == std::string_view::npos) {  // ASCII is ASCII in every encoding here
    out.assign(raw);
    return true;
  }
  if (!icu_) {
    out.clear();
    bad.clear();
    auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    auto* end = p + raw.size();
    while (p < end) {
      int n = utf8_sequence(p, end);
      if (n > 0) {
        out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
      } else {
        if (bad.size() < 40) bad += std::string(bad.empty() ? "" : " ") + hex_bytes(std::string_view(reinterpret_cast<const char*>(p), 1));
        out += "\xEF\xBF\xBD";
        ++p;
      }
    }
    return bad.empty();
  }
  // GBK / GB18030: every byte gives at most one UTF-16 unit (a four-byte GB18030 sequence gives
  // a surrogate pair), so raw.size() units always suffice.
  UConverter* cnv = icu_->converter;
  auto& u16 = icu_->utf16;
  if (u16.size() < raw.size() + 1) u16.resize(raw.size() + 1);
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  status = U_ZERO_ERROR;
  int32_t units = ucnv_toUChars(cnv, u16.data(), static_cast<int32_t>(u16.size()), raw.data(),
                                static_cast<int32_t>(raw.size()), &status);
  bool ok = U_SUCCESS(status);
  if (!ok) {
    char invalid[32];
    int8_t len = sizeof invalid;
    UErrorCode s2 = U_ZERO_ERROR;
    ucnv_getInvalidChars(cnv, invalid, &len, &s2);
    bad = U_SUCCESS(s2) && len > 0 ? hex_bytes(std::string_view(invalid, static_cast<std::size_t>(len)))
                                   : std::string("(undecodable)");
    // Decode again substituting U+FFFD, so the problem report can show the rest of the text.
    status = U_ZERO_ERROR;
    ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &status);
    status = U_ZERO_ERROR;
    if (u16.size() < 2 * raw.size() + 1) u16.resize(2 * raw.size() + 1);
    units = ucnv_toUChars(cnv, u16.data(), static_cast<int32_t>(u16.size()), raw.data(),
                          static_cast<int32_t>(raw.size()), &status);
    if (U_FAILURE(status)) units = 0;
  }
  out.resize(static_cast<std::size_t>(units) * 3 + 1);
  int32_t written = 0;
  UErrorCode s3 = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &written, u16.data(), units, 0xFFFD,
                     nullptr, &s3);
  out.resize(U_SUCCESS(s3) ? static_cast<std::size_t>(written) : 0);
  return ok;
}

}  // namespace crmkit::io::detail
