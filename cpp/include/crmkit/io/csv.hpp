// crmkit/io/csv.hpp — reading and writing CSV files as spreadsheets save them.
//
// The reader streams: it holds one buffer of the file and the current row, never the file, so an
// import's memory does not grow with the file. It reads UTF-8 (with or without a byte-order
// mark), GBK and GB18030 — what Excel and WPS save on Chinese systems — and detects which one a
// file is in when the caller does not say (strict UTF-8 first, then GB18030, a superset of GBK).
// What makes a row unusable (a ragged row, an unterminated quote, bytes that are not text in the
// file's encoding) is reported on that row as its `problem`, naming row and line, never guessed
// around; what makes the whole file unusable (missing, binary, an unknown encoding) is a
// ValidationError naming the file.
//
// Thread-compatible: one source is read by one thread at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/io/row_source.hpp"
#include "crmkit/table.hpp"

namespace crmkit::io {

struct CsvOptions {
  // "" = detect. Accepted names (any case, '-' or '_' or none): utf-8 / utf8, utf-8-sig,
  // gbk / cp936 / gb2312 (read as GBK, its superset), gb18030.
  std::string encoding;
  char delimiter = ',';
  char quote = '"';
  // A row (with its quoted line breaks) longer than this ends the read with a ValidationError:
  // it is almost always a quote that is never closed, and reading on would hold the rest of the
  // file in memory.
  std::size_t max_row_bytes = 64u << 20;
  // The read buffer; the reader's memory is about this plus the longest row.
  std::size_t buffer_bytes = 1u << 20;
};

// Opens `path` and reads its header row. Throws ValidationError (field "path" or "encoding")
// naming the file when it does not exist or cannot be read, is empty, is binary (NUL bytes, a
// ZIP/XLSX, UTF-16), when the encoding is unknown, or when the header row itself is unusable.
// The returned source's rows are numbered from 1 (the header is row 0); entirely blank lines
// are skipped (they are counted in `line`). A row with fewer or more cells than the header
// keeps its cells as read and carries a problem.
std::unique_ptr<RowSource> open_csv(const std::string& path, const CsvOptions& options = {});

// The canonical name of an encoding the reader accepts ("utf-8", "utf-8-sig", "gbk",
// "gb18030"), or "" when it is not one of them.
std::string canonical_encoding(std::string_view name);

// Writes RFC 4180 CSV as Excel opens it: UTF-8 with a byte-order mark (unless `bom` is false),
// CRLF line ends, a field quoted when it holds the delimiter, a quote, a line break or leading or
// trailing spaces. Buffered; close() (or the destructor) flushes. Throws ValidationError (field
// "path") naming the file when it cannot be created (a missing directory says so).
class CsvWriter {
 public:
  explicit CsvWriter(const std::string& path, bool bom = true, char delimiter = ',');
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  void write_row(const std::vector<std::string>& cells);
  // One cell at a time; end_row() ends the row.
  void write_cell(std::string_view cell);
  void end_row();
  // Flushes and closes; throws ValidationError on a write error (a full disk).
  void close();
  std::int64_t rows_written() const { return rows_; }

 private:
  void flush();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  char delimiter_;
  bool first_in_row_ = true;
  std::int64_t rows_ = 0;
};

// Writes `table` as CSV with CsvWriter: the columns named in `columns` in that order (empty: all),
// headed by `headers` (empty: the column names; else one per column). Cells are written as text:
// numbers in their shortest exact form, times as ISO 8601 UTC ("2026-01-15T09:30:00.000Z"),
// dates as "2026-01-15", booleans as true/false, lists joined with ";", NULL as an empty cell.
// Returns the number of data rows written. Throws ValidationError (field "columns" or
// "headers") for an unknown column or a header count that does not match, and CsvWriter's errors.
std::int64_t write_table_csv(const Table& table, const std::string& path, const std::vector<std::string>& columns = {},
                             const std::vector<std::string>& headers = {}, bool bom = true);

}  // namespace crmkit::io
