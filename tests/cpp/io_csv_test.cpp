// The streaming CSV reader and the CSV writer (crmkit/io/csv.hpp). GBK and GB18030 files are made
// with glibc's iconv, an encoder independent of the ICU converters the reader decodes with.
#include <gtest/gtest.h>
#include <iconv.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "crmkit/error.hpp"
#include "crmkit/io/csv.hpp"

namespace io = crmkit::io;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("crmkit_csv_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name, const std::string& bytes) const {
    std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

std::string encode(const std::string& utf8, const char* to) {
  iconv_t cd = iconv_open(to, "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 4 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* o = out.data();
  EXPECT_NE(iconv(cd, &in, &in_left, &o, &out_left), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

struct Read {
  std::vector<std::string> header;
  std::vector<io::SourceRow> rows;
  std::string encoding;
};

Read read_all(const std::string& path, io::CsvOptions options = {}) {
  auto src = io::open_csv(path, options);
  Read r{src->header(), {}, src->encoding()};
  io::SourceRow row;
  while (src->next(row)) r.rows.push_back(row);
  EXPECT_EQ(src->consumed(), src->total());
  r.encoding = src->encoding();
  return r;
}

std::string error_of(const std::string& path, io::CsvOptions options = {}) {
  try {
    read_all(path, options);
  } catch (const crmkit::ValidationError& e) {
    return e.what();
  }
  return "";
}

const std::string kChinese =
    "客户名称,手机,地区\n"
    "上海某某科技有限公司,138 0013 8000,华东\n"
    "北京鼎盛集团,010-5555 0000,华北\n";

void expect_chinese(const Read& r) {
  ASSERT_EQ(r.header, (std::vector<std::string>{"客户名称", "手机", "地区"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].cells, (std::vector<std::string>{"上海某某科技有限公司", "138 0013 8000", "华东"}));
  EXPECT_EQ(r.rows[1].cells[0], "北京鼎盛集团");
  EXPECT_EQ(r.rows[0].row, 1);
  EXPECT_EQ(r.rows[0].line, 2);
  EXPECT_EQ(r.rows[1].row, 2);
  EXPECT_EQ(r.rows[1].line, 3);
  for (const auto& row : r.rows) EXPECT_EQ(row.problem, "");
}

TEST(CsvRead, Utf8IsDetected) {
  TempDir d;
  auto r = read_all(d.file("a.csv", kChinese));
  EXPECT_EQ(r.encoding, "utf-8");
  expect_chinese(r);
}

TEST(CsvRead, Utf8WithBomDropsTheMarkFromTheHeader) {
  TempDir d;
  auto r = read_all(d.file("a.csv", "\xEF\xBB\xBF" + kChinese));
  EXPECT_EQ(r.encoding, "utf-8-sig");
  expect_chinese(r);
}

TEST(CsvRead, GbkFileIsDetectedAsGb18030AndReadAsUtf8) {
  TempDir d;
  std::string gbk = encode(kChinese, "GBK");
  ASSERT_NE(gbk, kChinese);
  auto r = read_all(d.file("gbk.csv", gbk));
  EXPECT_EQ(r.encoding, "gb18030");
  expect_chinese(r);
}

TEST(CsvRead, NamedGbkAndGb18030) {
  TempDir d;
  auto path = d.file("gbk.csv", encode(kChinese, "GBK"));
  io::CsvOptions o;
  o.encoding = "GBK";
  auto r = read_all(path, o);
  EXPECT_EQ(r.encoding, "gbk");
  expect_chinese(r);
  // GB18030's four-byte forms: characters outside GBK (an emoji, a rare CJK extension B ideograph).
  std::string text = "名称,备注\n㐀𠀀公司,好😀\n";
  o.encoding = "gb18030";
  auto r2 = read_all(d.file("gb18030.csv", encode(text, "GB18030")), o);
  ASSERT_EQ(r2.rows.size(), 1u);
  EXPECT_EQ(r2.rows[0].cells, (std::vector<std::string>{"㐀𠀀公司", "好😀"}));
  // ...and detected without a name.
  auto r3 = read_all(d.path("gb18030.csv"));
  EXPECT_EQ(r3.encoding, "gb18030");
  EXPECT_EQ(r3.rows[0].cells[1], "好😀");
}

TEST(CsvRead, DetectionWaitsForTheFirstNonAsciiByte) {
  // Megabytes of ASCII before the first Chinese row: still detected, with a small buffer.
  TempDir d;
  std::string text = "name,phone\n";
  for (int i = 0; i < 5000; ++i) text += "company " + std::to_string(i) + ",13800138000\n";
  text += "上海科技,13900139000\n";
  io::CsvOptions o;
  o.buffer_bytes = 4096;
  auto r = read_all(d.file("late.csv", encode(text, "GBK")), o);
  EXPECT_EQ(r.encoding, "gb18030");
  ASSERT_EQ(r.rows.size(), 5001u);
  EXPECT_EQ(r.rows.back().cells[0], "上海科技");
  EXPECT_EQ(r.rows.back().problem, "");
  // An all-ASCII file reads as UTF-8.
  EXPECT_EQ(read_all(d.file("ascii.csv", "a,b\n1,2\n")).encoding, "utf-8");
}

TEST(CsvRead, QuotedFieldsWithLineBreaksDelimitersAndDoubledQuotes) {
  TempDir d;
  auto r = read_all(d.file("q.csv",
                           "name,note,city\r\n"
                           "\"ACME, Inc.\",\"line one\r\nline two\nline three\",\"上海\"\r\n"
                           "\"say \"\"hi\"\"\",\"\",x\r\n"
                           "12\" screen,plain,\r\n"));
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].cells, (std::vector<std::string>{"ACME, Inc.", "line one\r\nline two\nline three", "上海"}));
  EXPECT_EQ(r.rows[0].line, 2);
  EXPECT_EQ(r.rows[1].cells, (std::vector<std::string>{"say \"hi\"", "", "x"}));
  EXPECT_EQ(r.rows[1].line, 5);  // the quoted field spanned lines 2-4
  EXPECT_EQ(r.rows[2].cells, (std::vector<std::string>{"12\" screen", "plain", ""}));
  EXPECT_EQ(r.rows[2].line, 6);
  for (const auto& row : r.rows) EXPECT_EQ(row.problem, "");
}

TEST(CsvRead, EveryBufferSizeGivesTheSameRows) {
  // The buffer boundary may fall anywhere: inside a quote pair, between CR and LF, inside a
  // multi-byte character, inside the BOM's successor.
  TempDir d;
  std::string text = "\xEF\xBB\xBF" "名称,备注,金额\r\n";
  for (int i = 0; i < 40; ++i)
    text += "\"公司 " + std::to_string(i) + "\",\"多行\r\n\"\"引号\"\"\",￥1,200\r\n" + "普通" + std::to_string(i) + ",x,\"\"\n";
  auto path = d.file("b.csv", text);
  auto expected = read_all(path);
  ASSERT_EQ(expected.rows.size(), 80u);
  for (std::size_t size : {16, 17, 18, 19, 23, 31, 64, 100, 257}) {
    io::CsvOptions o;
    o.buffer_bytes = size;
    auto got = read_all(path, o);
    ASSERT_EQ(got.header, expected.header) << size;
    ASSERT_EQ(got.rows.size(), expected.rows.size()) << size;
    for (std::size_t i = 0; i < got.rows.size(); ++i) {
      EXPECT_EQ(got.rows[i].cells, expected.rows[i].cells) << size << " row " << i;
      EXPECT_EQ(got.rows[i].line, expected.rows[i].line) << size << " row " << i;
      EXPECT_EQ(got.rows[i].problem, expected.rows[i].problem) << size;
    }
  }
  // Also GBK across boundaries.
  auto gpath = d.file("g.csv", encode(text.substr(3), "GBK"));
  for (std::size_t size : {16, 17, 33}) {
    io::CsvOptions o;
    o.buffer_bytes = size;
    auto got = read_all(gpath, o);
    EXPECT_EQ(got.encoding, "gb18030");
    ASSERT_EQ(got.rows.size(), 80u);
    for (std::size_t i = 0; i < got.rows.size(); ++i) EXPECT_EQ(got.rows[i].cells, expected.rows[i].cells);
  }
}

TEST(CsvRead, RaggedRowsKeepTheirCellsAndNameRowAndLine) {
  TempDir d;
  auto r = read_all(d.file("r.csv", "a,b,c\n1,2,3\n1,2\n\n1,2,3,4\n\"x\ny\",2,3\n"));
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].problem, "");
  EXPECT_EQ(r.rows[1].cells, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(r.rows[1].problem, "row 2 (line 3): 2 cells where the header has 3");
  EXPECT_EQ(r.rows[2].row, 3);  // the blank line 4 is no row
  EXPECT_EQ(r.rows[2].line, 5);
  EXPECT_EQ(r.rows[2].problem, "row 3 (line 5): 4 cells where the header has 3");
  EXPECT_EQ(r.rows[3].problem, "");
  EXPECT_EQ(r.rows[3].line, 6);
}

TEST(CsvRead, UnterminatedQuoteIsTheLastRowsProblem) {
  TempDir d;
  auto r = read_all(d.file("u.csv", "a,b\n1,2\n3,\"open\n4,5\n"));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1].cells, (std::vector<std::string>{"3", "open\n4,5\n"}));
  EXPECT_EQ(r.rows[1].problem,
            "row 2 (line 3): unterminated quote: the quoted field opened on line 3 is never closed (the file ends "
            "inside it)");
  // A quote left open over more than max_row_bytes stops the read instead of holding the file.
  std::string big = "a,b\n1,\"never closed\n";
  for (int i = 0; i < 2000; ++i) big += "filler,filler\n";
  io::CsvOptions o;
  o.max_row_bytes = 4096;
  o.buffer_bytes = 512;
  auto msg = error_of(d.file("big.csv", big), o);
  EXPECT_NE(msg.find("big.csv: the row starting on line 2 is longer than 4096 bytes"), std::string::npos) << msg;
}

TEST(CsvRead, TextAfterAClosingQuoteIsAProblem) {
  TempDir d;
  auto r = read_all(d.file("t.csv", "a,b\n\"x\"y,2\n"));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].problem, "row 1 (line 2): column 1: text after the closing quote");
}

TEST(CsvRead, InvalidBytesAreReportedOnTheirRow) {
  TempDir d;
  // UTF-8 (detected from the first non-ASCII bytes), then a stray 0xFF on row 2.
  auto r = read_all(d.file("bad.csv", "名称,电话\n上海,1\nab\xFF" "c,2\n"));
  // Detection is not fooled into GB18030 by the one bad byte.
  EXPECT_EQ(r.encoding, "utf-8");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].problem, "");
  EXPECT_EQ(r.rows[1].problem, "row 2 (line 3), column 1: bytes 0xFF are not utf-8 text");
  EXPECT_EQ(r.rows[1].cells[0], "ab\xEF\xBF\xBD" "c");
  // GB18030: 0xFF is not a lead byte.
  io::CsvOptions o;
  o.encoding = "gb18030";
  auto g = read_all(d.file("badg.csv", encode("名称,电话\n上海,1\n", "GB18030") + "x,\xFF\n"), o);
  ASSERT_EQ(g.rows.size(), 2u);
  EXPECT_EQ(g.rows[0].problem, "");
  EXPECT_EQ(g.rows[1].problem.rfind("row 2 (line 3), column 2: bytes 0xFF", 0), 0u) << g.rows[1].problem;
  // A named UTF-8 file that is really GBK: every Chinese row says so.
  o.encoding = "utf-8";
  auto u = read_all(d.file("gbk_as_utf8.csv", "name,city\n" + encode("x,上海\n", "GBK")), o);
  ASSERT_EQ(u.rows.size(), 1u);
  EXPECT_NE(u.rows[0].problem.find("column 2: bytes 0xC9"), std::string::npos) << u.rows[0].problem;
}

TEST(CsvRead, BadFilesAreValidationErrorsNamingTheFile) {
  TempDir d;
  EXPECT_EQ(error_of(d.path("missing.csv")), "file not found: " + d.path("missing.csv"));
  EXPECT_EQ(error_of(d.file("empty.csv", "")), d.path("empty.csv") + " is empty: a CSV file needs a header row");
  EXPECT_EQ(error_of(d.file("bin.csv", std::string("a,b\n\x01\x02\x00\x03", 8))),
            d.path("bin.csv") + " is not a CSV file: binary content (a NUL byte at offset 6)");
  EXPECT_NE(error_of(d.file("x.csv", std::string("PK\x03\x04rest", 8))).find("x.csv is not a CSV file: it is a ZIP archive"),
            std::string::npos);
  EXPECT_NE(error_of(d.file("u16.csv", "\xFF\xFE" "a\0,\0b\0")).find("u16.csv is UTF-16 text"), std::string::npos);
  io::CsvOptions o;
  o.encoding = "latin-42";
  auto path = d.file("ok.csv", "a\n1\n");
  try {
    io::open_csv(path, o);
    FAIL() << "an unknown encoding was accepted";
  } catch (const crmkit::ValidationError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": unknown encoding 'latin-42' (supported: utf-8, utf-8-sig, gbk, gb18030)");
    EXPECT_EQ(e.field(), "encoding");
  }
  EXPECT_EQ(error_of(d.path("")), d.path("") + " is a directory, not a CSV file");
}

// A file the reader refuses after opening it (empty, binary, UTF-16, a ZIP archive) used to keep
// its descriptor: the constructor threw before the destructor that closes it could run, so a
// long-running app leaked one per refused import until open() failed (found by fuzz_csv).
TEST(CsvRead, ARefusedFileIsClosed) {
  TempDir d;
  const std::vector<std::string> refused = {
      d.file("empty.csv", ""), d.file("bin.csv", std::string("a,b\n\x01\x02\x00\x03", 8)),
      d.file("x.csv", std::string("PK\x03\x04rest", 8)), d.file("u16.csv", "\xFF\xFE" "a\0,\0b\0")};
  auto open_descriptors = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  const auto before = open_descriptors();
  for (int i = 0; i < 50; ++i)
    for (const auto& path : refused) EXPECT_FALSE(error_of(path).empty()) << path;
  EXPECT_EQ(open_descriptors(), before);
}

TEST(CsvRead, DelimiterAndProgress) {
  TempDir d;
  io::CsvOptions o;
  o.delimiter = ';';
  std::string text = "a;b\n1;\"x;y\"\n";
  auto src = io::open_csv(d.file("s.csv", text), o);
  EXPECT_EQ(src->total(), text.size());
  EXPECT_EQ(src->consumed(), 4u);  // the header
  io::SourceRow row;
  ASSERT_TRUE(src->next(row));
  EXPECT_EQ(row.cells, (std::vector<std::string>{"1", "x;y"}));
  EXPECT_EQ(src->consumed(), text.size());
  EXPECT_FALSE(src->next(row));
}

TEST(CsvRead, CanonicalEncodingNames) {
  EXPECT_EQ(io::canonical_encoding("UTF8"), "utf-8");
  EXPECT_EQ(io::canonical_encoding("utf_8_sig"), "utf-8-sig");
  EXPECT_EQ(io::canonical_encoding("CP936"), "gbk");
  EXPECT_EQ(io::canonical_encoding("GB2312"), "gbk");
  EXPECT_EQ(io::canonical_encoding("GB-18030"), "gb18030");
  EXPECT_EQ(io::canonical_encoding("big5"), "");
}

TEST(CsvWrite, RoundTripThroughTheReader) {
  TempDir d;
  std::vector<std::vector<std::string>> rows = {
      {"名称", "备注", "空"}, {"ACME, Inc.", "say \"hi\"", ""}, {"上海\n科技", " padded ", "😀"}, {"a\r\nb", "x", "y"}};
  auto path = d.path("w.csv");
  {
    io::CsvWriter w(path);
    for (const auto& r : rows) w.write_row(r);
    EXPECT_EQ(w.rows_written(), 4);
    w.close();
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str().substr(0, 3), "\xEF\xBB\xBF");
  auto r = read_all(path);
  EXPECT_EQ(r.encoding, "utf-8-sig");
  EXPECT_EQ(r.header, rows[0]);
  ASSERT_EQ(r.rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.rows[i].cells, rows[i + 1]);
    EXPECT_EQ(r.rows[i].problem, "");
  }
}

TEST(CsvWrite, MissingDirectoryIsAClearError) {
  TempDir d;
  try {
    io::CsvWriter w(d.path("nope/out.csv"));
    FAIL() << "a missing directory was accepted";
  } catch (const crmkit::ValidationError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write " + d.path("nope/out.csv") + ": the directory " + d.path("nope") + " does not exist");
    EXPECT_EQ(e.field(), "path");
  }
}

}  // namespace
