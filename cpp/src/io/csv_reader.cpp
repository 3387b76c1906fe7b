// The streaming CSV reader (crmkit/io/csv.hpp). The structure of a record — delimiters, quotes,
// line breaks — is found in the raw bytes, and each field is decoded afterwards: in UTF-8, GBK
// and GB18030 the bytes of ',', '"', CR and LF never occur inside a multi-byte character (GBK's
// trail bytes start at 0x40, GB18030's four-byte forms use 0x30-0x39 and 0x81-0xFE), so this is
// exact and lets one parser serve every encoding.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "crmkit/error.hpp"
#include "crmkit/io/csv.hpp"
#include "encoding_internal.h"

namespace crmkit::io {

namespace {

std::string lower_compact(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string describe_size(std::size_t bytes) {
  return bytes >= (1u << 20) ? std::to_string(bytes >> 20) + " MB" : std::to_string(bytes) + " bytes";
}

class CsvSource final : public RowSource {
 public:
  CsvSource(const std::string& path, const CsvOptions& options) : path_(path), options_(options) {
    if (options_.buffer_bytes < 16) options_.buffer_bytes = 16;
    std::string named;
    if (!options.encoding.empty()) {
      named = canonical_encoding(options.encoding);
      if (named.empty())
        throw ValidationError(path + ": unknown encoding '" + options.encoding +
                                  "' (supported: utf-8, utf-8-sig, gbk, gb18030)",
                              "encoding");
    }
    if (options.delimiter == options.quote || options.delimiter == '\n' || options.delimiter == '\r')
      throw ValidationError(path + ": the delimiter must differ from the quote and from line breaks", "delimiter");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      throw ValidationError(errno == ENOENT ? "file not found: " + path
                                            : "cannot read " + path + ": " + std::strerror(errno),
                            "path");
    if (S_ISDIR(st.st_mode)) throw ValidationError(path + " is a directory, not a CSV file", "path");
    total_ = static_cast<std::uint64_t>(st.st_size);
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) throw ValidationError("cannot read " + path + ": " + std::strerror(errno), "path");
    buffer_.resize(options_.buffer_bytes);
    refill();
    sniff(named);
    read_header();
  }

  const std::vector<std::string>& header() const override { return header_; }
  std::string encoding() const override { return encoding_; }
  std::uint64_t consumed() const override { return buffer_offset_ + pos_; }
  std::uint64_t total() const override { return total_; }

  bool next(SourceRow& out) override {
    out.problem.clear();
    for (;;) {
      if (!read_record(out.line, out.problem)) return false;
      // An entirely empty line is no row (spreadsheets leave them at the end of a file).
      if (raw_.size() == 1 && raw_[0].empty() && !last_record_quoted_ && out.problem.empty()) continue;
      break;
    }
    out.row = ++row_;
    std::string where = "row " + std::to_string(out.row) + " (line " + std::to_string(out.line) + ")";
    if (!out.problem.empty()) out.problem = where + ": " + out.problem;
    decode_into(out.cells, where, out.problem);
    if (out.problem.empty() && out.cells.size() != header_.size())
      out.problem = where + ": " + std::to_string(out.cells.size()) + (out.cells.size() == 1 ? " cell" : " cells") +
                    " where the header has " + std::to_string(header_.size());
    return true;
  }

 private:
  // Fills the buffer with what follows the consumed part.
  bool refill() {
    buffer_offset_ += pos_;
    if (pos_ < len_) std::memmove(buffer_.data(), buffer_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
    if (eof_) return len_ > 0;
    std::size_t got = std::fread(buffer_.data() + len_, 1, buffer_.size() - len_, file_.get());
    if (got == 0) {
      if (std::ferror(file_.get())) throw ValidationError("cannot read " + path_ + ": read error", "path");
      eof_ = true;
    }
    std::size_t before = len_;
    len_ += got;
    if (!decided_) decide(std::string_view(buffer_.data() + before, got));
    return len_ > 0;
  }

  // Chooses the encoding from the first bytes that are not ASCII: until one appears, UTF-8 and
  // GB18030 read the same, so a file that is ASCII for its first megabytes is still detected.
  void decide(std::string_view fresh) {
    std::size_t at = detail::first_non_ascii(fresh);
    if (at == std::string_view::npos) return;
    // Strict UTF-8 first. A UTF-8 file with a few broken bytes (a cell pasted from elsewhere)
    // stays UTF-8, its broken cells reported: GBK text forms a valid UTF-8 sequence only by
    // chance (about one character in twelve), so valid sequences outnumbering invalid bytes
    // two to one mean UTF-8; anything else is GB18030 (a superset of GBK).
    auto evidence = detail::utf8_evidence(fresh.substr(at));
    encoding_ = evidence.sequences > 2 * evidence.invalid ? "utf-8" : "gb18030";
    decoder_ = std::make_unique<detail::Decoder>(encoding_);
    decided_ = true;
  }

  void sniff(const std::string& named) {
    std::string_view head(buffer_.data(), len_);
    if (head.empty()) throw ValidationError(path_ + " is empty: a CSV file needs a header row", "path");
    if (head.size() >= 2 && ((head[0] == '\xFF' && head[1] == '\xFE') || (head[0] == '\xFE' && head[1] == '\xFF')))
      throw ValidationError(path_ + " is UTF-16 text, which is not supported: save it as UTF-8 (CSV UTF-8 in Excel)", "encoding");
    if (head.size() >= 4 && head.substr(0, 4) == std::string_view("PK\x03\x04", 4))
      throw ValidationError(path_ + " is not a CSV file: it is a ZIP archive (an .xlsx workbook is one; read it as XLSX)", "path");
    std::string_view sample = head.substr(0, std::min<std::size_t>(head.size(), 64 * 1024));
    std::size_t controls = 0;
    for (std::size_t i = 0; i < sample.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(sample[i]);
      if (c == 0)
        throw ValidationError(path_ + " is not a CSV file: binary content (a NUL byte at offset " + std::to_string(i) + ")", "path");
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ++controls;
    }
    if (controls * 100 > sample.size())
      throw ValidationError(path_ + " is not a CSV file: binary content (" + std::to_string(controls) +
                                " control bytes in its first " + describe_size(sample.size()) + ")",
                            "path");
    bool bom = head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF";
    if (bom) pos_ = 3;
    if (!named.empty()) {
      encoding_ = named == "utf-8" && bom ? "utf-8-sig" : named;
      decided_ = true;
    } else if (bom) {
      encoding_ = "utf-8-sig";
      decided_ = true;
    }
    if (decided_) decoder_ = std::make_unique<detail::Decoder>(encoding_);
    else {
      decide(head);
      if (!decided_) decoder_ = std::make_unique<detail::Decoder>("utf-8");  // ASCII so far
    }
  }

  void read_header() {
    std::int64_t line = 0;
    std::string problem;
    if (!read_record(line, problem)) throw ValidationError(path_ + " has no header row", "path");
    std::string where = "the header row (line " + std::to_string(line) + ")";
    if (!problem.empty()) throw ValidationError(path_ + ": " + where + ": " + problem, "path");
    decode_into(header_, where, problem);
    if (!problem.empty()) throw ValidationError(path_ + ": " + problem, "encoding");
  }

  void decode_into(std::vector<std::string>& cells, const std::string& where, std::string& problem) {
    cells.resize(raw_.size());
    std::string bad;
    for (std::size_t i = 0; i < raw_.size(); ++i) {
      if (!decoder_->decode(raw_[i], cells[i], bad) && problem.empty())
        problem = where + ", column " + std::to_string(i + 1) + ": bytes " + bad + " are not " +
                  (encoding_ == "utf-8-sig" ? std::string("utf-8") : encoding_) + " text";
    }
  }

  // Reads one record's raw fields into raw_. False at the end of the file.
  bool read_record(std::int64_t& start_line, std::string& problem) {
    if (pos_ >= len_ && !refill()) return false;
    start_line = line_;
    raw_count_ = 0;
    last_record_quoted_ = false;
    std::string* field = start_field();
    bool in_quotes = false, after_quote = false;
    std::int64_t quote_line = 0;
    std::size_t row_bytes = 0;
    const char delim = options_.delimiter, quote = options_.quote;
    for (;;) {
      if (pos_ >= len_) {
        if (!refill()) {  // the end of the file ends the record
          if (in_quotes)
            problem = "unterminated quote: the quoted field opened on line " + std::to_string(quote_line) +
                      " is never closed (the file ends inside it)";
          break;
        }
      }
      const char* b = buffer_.data();
      if (in_quotes) {
        // Copy up to the next quote in one step.
        const char* q = static_cast<const char*>(std::memchr(b + pos_, quote, len_ - pos_));
        std::size_t stop = q ? static_cast<std::size_t>(q - b) : len_;
        for (std::size_t i = pos_; i < stop; ++i)
          if (b[i] == '\n') ++line_;
        field->append(b + pos_, stop - pos_);
        row_bytes += stop - pos_;
        pos_ = stop;
        check_size(row_bytes, start_line);
        if (!q) continue;
        // A quote: doubled means a literal quote; otherwise it closes the field.
        if (pos_ + 1 >= len_ && !eof_) {
          refill();
          b = buffer_.data();
        }
        if (pos_ + 1 < len_ && b[pos_ + 1] == quote) {
          *field += quote;
          pos_ += 2;
        } else {
          in_quotes = false;
          after_quote = true;
          ++pos_;
        }
        continue;
      }
      // Outside quotes: copy up to the next special byte in one step.
      std::size_t i = pos_;
      while (i < len_) {
        char c = b[i];
        if (c == delim || c == '\n' || c == '\r' || c == quote) break;
        ++i;
      }
      if (i > pos_) {
        if (after_quote && problem.empty())
          problem = "column " + std::to_string(raw_count_) + ": text after the closing quote";
        field->append(b + pos_, i - pos_);
        row_bytes += i - pos_;
        pos_ = i;
      }
      check_size(row_bytes, start_line);
      if (pos_ >= len_) continue;
      char c = b[pos_++];
      if (c == delim) {
        field = start_field();
        after_quote = false;
      } else if (c == '\n') {
        ++line_;
        break;
      } else if (c == '\r') {
        if (pos_ >= len_ && !eof_) refill();
        if (pos_ < len_ && buffer_[pos_] == '\n') ++pos_;
        ++line_;
        break;
      } else {  // a quote
        if (field->empty() && !after_quote) {
          in_quotes = true;
          last_record_quoted_ = true;
          quote_line = line_;
        } else {
          // A quote inside an unquoted field (12" screen) is kept as a character, as spreadsheets do.
          *field += c;
        }
      }
    }
    raw_.resize(raw_count_);
    return true;
  }

  std::string* start_field() {
    if (raw_count_ == raw_.size()) raw_.emplace_back();
    std::string* f = &raw_[raw_count_++];
    f->clear();
    return f;
  }

  void check_size(std::size_t row_bytes, std::int64_t start_line) const {
    if (row_bytes > options_.max_row_bytes)
      throw ValidationError(path_ + ": the row starting on line " + std::to_string(start_line) + " is longer than " +
                                describe_size(options_.max_row_bytes) +
                                "; a quote opened in it is probably never closed",
                            "path", row_ + 1);
  }

  std::string path_;
  CsvOptions options_;
  // Owned by a member so that a constructor refusing the file (empty, binary, UTF-16) closes it.
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t buffer_offset_ = 0, total_ = 0;
  bool eof_ = false;
  bool decided_ = false;
  std::string encoding_ = "utf-8";
  std::unique_ptr<detail::Decoder> decoder_;
  std::vector<std::string> header_;
  std::vector<std::string> raw_;  // reused: the strings keep their capacity across rows
  std::size_t raw_count_ = 0;
  bool last_record_quoted_ = false;
  std::int64_t line_ = 1, row_ = 0;
};

}  // namespace

std::string canonical_encoding(std::string_view name) {
  std::string n = lower_compact(name);
  if (n == "utf8") return "utf-8";
  if (n == "utf8sig" || n == "utf8bom") return "utf-8-sig";
  if (n == "gbk" || n == "cp936" || n == "gb2312" || n == "windows936" || n == "ms936") return "gbk";
  if (n == "gb18030") return "gb18030";
  return "";
}

std::unique_ptr<RowSource> open_csv(const std::string& path, const CsvOptions& options) {
  return std::make_unique<CsvSource>(path, options);
}

}  // namespace crmkit::io
