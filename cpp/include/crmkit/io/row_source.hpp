// crmkit/io/row_source.hpp — a stream of spreadsheet rows, whatever file they come from.
//
// The import pipeline reads every source through this one interface: a CSV file parsed in C++,
// an XLSX sheet read in Python and handed over row by row, or a list of dicts. A source is read
// once, front to back, and holds at most one row in memory at a time, so an import's memory does
// not grow with the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crmkit::io {

// One row as it was in the source: its cells as UTF-8 text (an empty cell is ""), and where it
// was, so that a problem can name it. `row` counts data rows from 1 (the header is row 0);
// `line` is the physical line a CSV row starts on (a quoted field may span lines; 0 when the
// source has no lines). `cells_problem` is set when the row itself is unusable (a ragged row, an
// unterminated quote, bytes that are not text in the source's encoding) and names what is wrong.
struct SourceRow {
  std::int64_t row = 0;
  std::int64_t line = 0;
  std::vector<std::string> cells;
  std::string problem;
};

class RowSource {
 public:
  virtual ~RowSource() = default;

  // The column names, from the source's first row (or a dict source's keys), as UTF-8.
  virtual const std::vector<std::string>& header() const = 0;

  // Reads the next row into `out`; false at the end. Throws crmkit::ValidationError only when the
  // source as a whole cannot be read further (the message names the file and position).
  virtual bool next(SourceRow& out) = 0;

  // The encoding the text was read in ("utf-8", "utf-8-sig", "gb18030", ...), named or detected.
  virtual std::string encoding() const { return "utf-8"; }

  // Progress: bytes (or rows) consumed so far and in total, for on_progress; total 0 = unknown.
  virtual std::uint64_t consumed() const { return 0; }
  virtual std::uint64_t total() const { return 0; }
};

// A source over rows already in memory (a Python iterable of dicts becomes one of these).
class VectorSource final : public RowSource {
 public:
  VectorSource(std::vector<std::string> header, std::vector<std::vector<std::string>> rows)
      : header_(std::move(header)), rows_(std::move(rows)) {}

  const std::vector<std::string>& header() const override { return header_; }
  bool next(SourceRow& out) override {
    if (next_ >= rows_.size()) return false;
    out.row = static_cast<std::int64_t>(next_) + 1;
    out.line = 0;
    out.cells = std::move(rows_[next_++]);
    out.problem.clear();
    return true;
  }
  std::uint64_t consumed() const override { return next_; }
  std::uint64_t total() const override { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::size_t next_ = 0;
};

}  // namespace crmkit::io
