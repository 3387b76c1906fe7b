// The CSV reader and the import's cleaning on arbitrary bytes: the bytes become a file, read
// with a fuzzer-chosen encoding (or detection), delimiter and a tiny read buffer (so rows and
// multi-byte characters straddle buffer ends), then imported as customers in a dry run. The
// reader may refuse the whole file only with a crmkit::Error; otherwise rows are numbered 1, 2,
// ... on non-decreasing lines, a row without a problem has exactly the header's cells, every
// cell is valid UTF-8; and the dry-run import reports every problem on a row it read and
// changes nothing.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "crmkit/imports/imports.hpp"
#include "crmkit/io/csv.hpp"
#include "fuzz_engine.hpp"

using namespace crmkit;

namespace {
std::int64_t customer_count(Crm& crm) {
  auto q = crm.database().prepare("SELECT count(*) FROM customers");
  q.step();
  return q.get_int(0);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Crm crm = fuzz::make_engine();
  static const std::string path = "/tmp/crmkit-fuzz-csv-" + std::to_string(::getpid()) + ".csv";
  FuzzedDataProvider in(data, size);
  io::CsvOptions options;
  static const char* const kEncodings[] = {"", "", "utf-8", "utf-8-sig", "gbk", "gb18030"};
  static const char kDelimiters[] = {',', ',', ';', '\t', '|'};
  options.encoding = kEncodings[in.ConsumeIntegralInRange(0, 5)];
  options.delimiter = kDelimiters[in.ConsumeIntegralInRange(0, 4)];
  options.buffer_bytes = in.ConsumeIntegralInRange<std::size_t>(1, 64);
  if (in.ConsumeIntegralInRange(0, 7) == 0) options.max_row_bytes = in.ConsumeIntegralInRange<std::size_t>(1, 256);
  const std::string bytes = in.ConsumeRemainingBytesAsString();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  std::unique_ptr<io::RowSource> source;
  if (!fuzz::accepted([&] { source = io::open_csv(path, options); })) return 0;
  const auto header = source->header();
  for (const auto& h : header)
    if (!fuzz::valid_utf8(h)) fuzz::finding("a header cell that is not valid UTF-8");
  std::int64_t rows = 0, last_line = 0;
  io::SourceRow row;
  fuzz::accepted([&] {
    while (source->next(row)) {
      if (row.row != ++rows) fuzz::finding("rows are not numbered 1, 2, ...: got " + std::to_string(row.row));
      if (row.line < last_line) fuzz::finding("a row's line goes backwards");
      last_line = row.line;
      if (!row.problem.empty()) continue;
      if (row.cells.size() != header.size()) fuzz::finding("a ragged row without a problem");
      for (const auto& c : row.cells)
        if (!fuzz::valid_utf8(c)) fuzz::finding("a cell that is not valid UTF-8 without a problem");
    }
  });

  // The same file through the import: headers that are target names map to themselves.
  const std::int64_t before = customer_count(crm);
  imports::ImportOptions import_options;
  import_options.dry_run = true;
  imports::ImportReport report;
  const bool imported = fuzz::accepted([&] {
    auto again = io::open_csv(path, options);
    report = crm.imports().customers(*again, import_options);
  });
  if (imported) {
    if (report.committed) fuzz::finding("a dry run committed");
    const auto& problem_rows = report.problems.column("row");
    for (std::size_t r = 0; r < report.problems.rows(); ++r)
      if (problem_rows.ints[r] < 0 || problem_rows.ints[r] > report.rows)
        fuzz::finding("a problem on row " + std::to_string(problem_rows.ints[r]) + " of " +
                      std::to_string(report.rows));
  }
  if (customer_count(crm) != before) fuzz::finding("a dry-run import changed the customers");
  return 0;
}
