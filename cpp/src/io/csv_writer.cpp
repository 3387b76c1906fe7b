// The CSV writer (crmkit/io/csv.hpp): RFC 4180 as Excel reads it, through one growing buffer
// flushed in large writes, so exporting a million rows is bounded by the disk, not by calls.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "crmkit/error.hpp"
#include "crmkit/io/csv.hpp"

namespace crmkit::io {

namespace {
constexpr std::size_t kFlushAt = 1u << 20;

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

CsvWriter::CsvWriter(const std::string& path, bool bom, char delimiter) : path_(path), delimiter_(delimiter) {
  std::string dir = parent_dir(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw ValidationError("cannot write " + path + ": the directory " + dir + " does not exist", "path");
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw ValidationError("cannot write " + path + ": " + std::strerror(errno), "path");
  buffer_.reserve(kFlushAt + 4096);
  if (bom) buffer_ += "\xEF\xBB\xBF";
}

CsvWriter::~CsvWriter() {
  if (file_) {
    try {
      close();
    } catch (...) {  // a destructor must not throw; close() explicitly to see write errors
    }
  }
}

void CsvWriter::write_cell(std::string_view cell) {
  if (!first_in_row_) buffer_ += delimiter_;
  first_in_row_ = false;
  bool quote = !cell.empty() && (cell.front() == ' ' || cell.back() == ' ');
  for (char c : cell) {
    if (c == delimiter_ || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    buffer_.append(cell);
    return;
  }
  buffer_ += '"';
  for (char c : cell) {
    if (c == '"') buffer_ += '"';
    buffer_ += c;
  }
  buffer_ += '"';
}

void CsvWriter::end_row() {
  buffer_ += "\r\n";
  first_in_row_ = true;
  ++rows_;
  if (buffer_.size() >= kFlushAt) flush();
}

void CsvWriter::write_row(const std::vector<std::string>& cells) {
  for (const auto& c : cells) write_cell(c);
  end_row();
}

void CsvWriter::flush() {
  if (!file_ || buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw ValidationError("cannot write " + path_ + ": " + std::strerror(errno), "path");
  buffer_.clear();
}

void CsvWriter::close() {
  if (!file_) return;
  std::FILE* f = file_;
  try {
    flush();
  } catch (...) {
    std::fclose(f);
    file_ = nullptr;
    throw;
  }
  file_ = nullptr;
  if (std::fclose(f) != 0) throw ValidationError("cannot write " + path_ + ": " + std::strerror(errno), "path");
}

}  // namespace crmkit::io

#include <charconv>

#include "crmkit/time.hpp"

namespace crmkit::io {

namespace {
void format_cell(const Column& c, std::size_t row, std::string& out) {
  out.clear();
  if (!c.valid[row]) return;
  switch (c.type) {
    case ColumnType::Int: out = std::to_string(c.ints[row]); break;
    case ColumnType::Bool: out = c.ints[row] ? "true" : "false"; break;
    case ColumnType::Time: out = format_timestamp(c.ints[row]); break;
    case ColumnType::Date: out = format_date(c.ints[row]); break;
    case ColumnType::Text: out = c.texts[row]; break;
    case ColumnType::Float: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, c.floats[row]);
      out.assign(buf, r.ptr);
      break;
    }
    case ColumnType::TextList:
      for (const auto& item : c.lists[row]) {
        if (!out.empty()) out += ';';
        out += item;
      }
      break;
  }
}
}  // namespace

std::int64_t write_table_csv(const Table& table, const std::string& path, const std::vector<std::string>& columns,
                             const std::vector<std::string>& headers, bool bom) {
  std::vector<const Column*> cols;
  if (columns.empty()) {
    for (const auto& c : table.columns()) cols.push_back(&c);
  } else {
    for (const auto& name : columns) {
      auto i = table.find_column(name);
      if (!i) {
        std::string known;
        for (const auto& c : table.columns()) known += (known.empty() ? "" : ", ") + c.name;
        throw ValidationError("the table has no column '" + name + "' (columns: " + known + ")", "columns");
      }
      cols.push_back(&table.column(*i));
    }
  }
  if (!headers.empty() && headers.size() != cols.size())
    throw ValidationError(std::to_string(headers.size()) + " headers for " + std::to_string(cols.size()) + " columns",
                          "headers");
  CsvWriter w(path, bom);
  for (std::size_t i = 0; i < cols.size(); ++i) w.write_cell(headers.empty() ? cols[i]->name : headers[i]);
  w.end_row();
  std::string cell;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    for (const Column* c : cols) {
      format_cell(*c, r, cell);
      w.write_cell(cell);
    }
    w.end_row();
  }
  w.close();
  return static_cast<std::int64_t>(table.rows());
}

}  // namespace crmkit::io
