// Text decoding for the CSV reader: bytes in the file's encoding to UTF-8, one field at a time,
// with the bytes that are not text reported rather than silently replaced.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace crmkit::io::detail {

// How UTF-8-like `bytes` are: the number of valid multi-byte UTF-8 sequences and of bytes that
// start no valid sequence (an incomplete sequence at the very end is neither).
struct Utf8Evidence {
  std::size_t sequences = 0;
  std::size_t invalid = 0;
};
Utf8Evidence utf8_evidence(std::string_view bytes);

// The offset of the first byte >= 0x80 in `bytes`, or npos.
std::size_t first_non_ascii(std::string_view bytes);

// Decodes one field. Reused across fields (it keeps its ICU converter and buffers).
class Decoder {
 public:
  // `encoding` is a canonical name (csv.hpp's canonical_encoding).
  explicit Decoder(const std::string& encoding);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Writes the UTF-8 text of `raw` into `out` and returns true; when `raw` holds bytes that are
  // not text in the encoding, writes them as U+FFFD, sets `bad` to those bytes in hex
  // ("0xFF 0xFE") and returns false.
  bool decode(std::string_view raw, std::string& out, std::string& bad);
  const std::string& encoding() const { return encoding_; }

 private:
  std::string encoding_;
  struct Icu;
  std::unique_ptr<Icu> icu_;  // null for UTF-8
};

std::string hex_bytes(std::string_view bytes, std::size_t max = 8);

}  // namespace crmkit::io::detail
