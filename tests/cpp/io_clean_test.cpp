// The cleaning rules of imported values (crmkit/io/clean.hpp), against reference values.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "crmkit/io/clean.hpp"
#include "crmkit/time.hpp"

namespace io = crmkit::io;

namespace {

template <class T>
T ok(const io::Cleaned<T>& c) {
  EXPECT_TRUE(c.value.has_value()) << c.problem;
  EXPECT_TRUE(c.problem.empty());
  return c.value.value_or(T{});
}

template <class T>
std::string bad(const io::Cleaned<T>& c) {
  EXPECT_FALSE(c.value.has_value());
  EXPECT_FALSE(c.problem.empty());
  return c.problem;
}

std::int64_t day(int y, unsigned m, unsigned d) { return crmkit::days_from_civil(y, m, d); }

}  // namespace

TEST(CleanText, NfkcAndCollapsedWhiteSpace) {
  // Reference: Python's unicodedata.normalize("NFKC", ...) gives "139 000 ABC" for the first.
  EXPECT_EQ(ok(io::clean_text("１３９　０００ ＡＢＣ")),
            "139 000 ABC");
  EXPECT_EQ(ok(io::clean_text("  上海\t\n某某   科技 有限公司　")), "上海 某某 科技 有限公司");
  EXPECT_EQ(ok(io::clean_text("")), "");
  EXPECT_EQ(ok(io::clean_text("😀 emoji")), "😀 emoji");
  EXPECT_NE(bad(io::clean_text("bad \xFF byte")).find("UTF-8"), std::string::npos);
}

TEST(CleanPhone, ChineseNumbersInEveryFormatGiveOneE164Key) {
  for (const char* raw : {"+86 21 5555 0000", "(021) 5555 0000", "021-5555-0000", "021.5555.0000", "02155550000",
                          "+86 (0)21 5555 0000", "0086 21 5555 0000"})
    EXPECT_EQ(ok(io::clean_phone(raw)), "+862155550000") << raw;
  // Full-width digits and the ideographic space.
  EXPECT_EQ(ok(io::clean_phone("１３９　００００　００００")),
            "+8613900000000");
  EXPECT_EQ(ok(io::clean_phone("138 0013 8000")), "+8613800138000");
  EXPECT_EQ(ok(io::clean_phone("13800138000")), "+8613800138000");
}

// clean_phone reads mainland mobile numbers without libphonenumber's parser (only its validation):
// every way of typing one must give what the full parse gives, valid or not, for every prefix.
TEST(CleanPhone, TheMobileShortcutAgreesWithTheFullParseOnEveryShape) {
  std::mt19937 rng(20261204);
  auto digits = [&](int n) {
    std::string d;
    for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + rng() % 10));
    return d;
  };
  auto spell = [&](const std::string& n, int style) -> std::string {
    const std::string a = n.substr(0, 3), b = n.substr(3, 4), c = n.substr(7);
    switch (style) {
      case 0: return n;
      case 1: return "+86 " + a + " " + b + " " + c;
      case 2: return a + "-" + b + "-" + c;
      case 3: return "0086" + n;
      case 4: return "(" + a + ") " + b + c;
      case 5: return a + "." + b + "." + c;
      case 6: return "+86" + n;
      case 7: return "+(86) " + n;
      case 8: return "0086 " + a + "-" + b + "-" + c;
      case 9: return n + "-";
      case 10: return "-" + n;
      case 11: return "((" + a + "))" + b + "..." + c;
      case 12: return "+86-" + a + "-" + b + c;
      case 13: return "86" + n;        // no plus: the parser's business
      case 14: return "+86 0" + n;     // a trunk zero before a mobile number
      case 15: return "+ 86 " + n;
      case 16: return "0086-0086" + n;
      default: return "+860086" + n;
    }
  };
  std::size_t compared = 0, valid = 0;
  auto compare = [&](const std::string& raw) {
    const auto cleaned = io::clean_text(raw);
    ASSERT_TRUE(cleaned) << raw;
    const auto fast = io::clean_phone(raw);
    const auto full = io::detail::parse_phone(*cleaned.value, "CN");
    ASSERT_EQ(fast.value, full.value) << raw;
    ASSERT_EQ(fast.problem, full.problem) << raw;
    ++compared;
    valid += fast.value.has_value();
  };
  // Every four-digit prefix of an eleven-digit number starting with 1, in every spelling.
  for (int prefix = 1000; prefix < 2000; ++prefix)
    for (int style = 0; style < 18; ++style) compare(spell(std::to_string(prefix) + digits(7), style));
  // Numbers one digit short or long, and full-width spellings.
  for (int i = 0; i < 2000; ++i) {
    compare("1" + digits(9));
    compare("+86 1" + digits(11));
    compare("0086" + std::string("1") + digits(9));
  }
  compare("１３９　００００　００００");
  compare("＋８６ １３９-００００-００００");
  EXPECT_EQ(compared, 1000u * 18 + 6000 + 2);
  EXPECT_GT(valid, 1000u);  // the loops reached the shortcut, not only the refusals
}

TEST(CleanPhone, OtherRegionsAndTheDefaultRegion) {
  EXPECT_EQ(ok(io::clean_phone("+49 30 901820")), "+4930901820");
  EXPECT_EQ(ok(io::clean_phone("030 901820", "DE")), "+4930901820");
  EXPECT_EQ(ok(io::clean_phone("(650) 253-0000", "US")), "+16502530000");
}

TEST(CleanPhone, InvalidNumbersAreProblemsThatQuoteTheText) {
  EXPECT_NE(bad(io::clean_phone("12345")).find("12345"), std::string::npos);
  bad(io::clean_phone(""));
  bad(io::clean_phone("not a number"));
  bad(io::clean_phone("+86 999 9999 9999 9999"));
  bad(io::clean_phone("1380013800"));  // one digit short of a mobile number
}

TEST(CleanEmail, LowerCasedAndShapeChecked) {
  EXPECT_EQ(ok(io::clean_email("  Info@Example.CN ")), "info@example.cn");
  EXPECT_EQ(ok(io::clean_email("li.lei+crm@sub.example.com.cn")), "li.lei+crm@sub.example.com.cn");
  // Full-width forms fold to ASCII first.
  EXPECT_EQ(ok(io::clean_email("ｉｎｆｏ＠example.cn")),
            "info@example.cn");
  for (const char* raw : {"", "info", "info@", "@example.cn", "a@b", "a@@b.cn", "a b@c.cn", "a@b..cn", "a@-b.cn",
                          "a@b.c", "a@b.123", ".a@b.cn", "a..b@c.cn"})
    bad(io::clean_email(raw));
}

TEST(CleanDate, IsoChineseSlashDotAndExcelSerialForms) {
  const auto jan5 = day(2026, 1, 5);
  for (const char* raw : {"2026-01-05", "2026-1-5", "2026/1/5", "2026/01/05", "2026.01.05", "2026年1月5日",
                          "2026年01月05日", "2026年1月5号", "20260105", "46027", "46027.0", " 2026-01-05 ",
                          "2026-01-05 00:00:00", "2026-01-05T00:00",
                          // full-width digits
                          "２０２６年1月5日"})
    EXPECT_EQ(ok(io::clean_date(raw)), jan5) << raw;
  EXPECT_EQ(ok(io::clean_date("2024-02-29")), day(2024, 2, 29));
  // Excel's day 59 is 1900-02-28 and day 61 is 1900-03-01 (day 60 is its phantom 29 February).
  EXPECT_EQ(ok(io::clean_date("59")), day(1900, 2, 28));
  EXPECT_EQ(ok(io::clean_date("61")), day(1900, 3, 1));
  EXPECT_EQ(ok(io::clean_date("1")), day(1900, 1, 1));
}

TEST(CleanDate, ImpossibleDatesSayWhy) {
  EXPECT_NE(bad(io::clean_date("2026-02-30")).find("February 2026 has 28 days"), std::string::npos);
  EXPECT_NE(bad(io::clean_date("2025-02-29")).find("February 2025 has 28 days"), std::string::npos);
  EXPECT_NE(bad(io::clean_date("2026年13月1日")).find("no month 13"), std::string::npos);
  bad(io::clean_date("60"));
  bad(io::clean_date("0"));
  bad(io::clean_date("26/1/5"));
  bad(io::clean_date("2026-01-05 09:30"));  // a time would be lost
  bad(io::clean_date("yesterday"));
  bad(io::clean_date(""));
  bad(io::clean_date("2026-01"));
}

TEST(CleanAmount, SeparatorsCurrencyMarksAndChineseMultipliers) {
  EXPECT_EQ(ok(io::clean_amount("12800")), 1'280'000);
  EXPECT_EQ(ok(io::clean_amount("12,800.50")), 1'280'050);
  EXPECT_EQ(ok(io::clean_amount("1,234,567")), 123'456'700);
  EXPECT_EQ(ok(io::clean_amount("¥1,200")), 120'000);
  EXPECT_EQ(ok(io::clean_amount("￥1200元")), 120'000);
  EXPECT_EQ(ok(io::clean_amount("1200 元")), 120'000);
  EXPECT_EQ(ok(io::clean_amount("RMB 88.8")), 8'880);
  EXPECT_EQ(ok(io::clean_amount("1.2万")), 1'200'000);
  EXPECT_EQ(ok(io::clean_amount("1.2万元")), 1'200'000);
  EXPECT_EQ(ok(io::clean_amount("3亿")), 30'000'000'000);
  EXPECT_EQ(ok(io::clean_amount("-6400")), -640'000);
  EXPECT_EQ(ok(io::clean_amount("0")), 0);
  EXPECT_EQ(ok(io::clean_amount("0.005")), 1);    // half away from zero
  EXPECT_EQ(ok(io::clean_amount("-0.005")), -1);
  EXPECT_EQ(ok(io::clean_amount("0.0049")), 0);
  EXPECT_EQ(ok(io::clean_amount("１２３")), 12'300);  // full-width 123
}

TEST(CleanAmount, MalformedAmountsAreProblems) {
  for (const char* raw : {"1,2,3元", "12,80", ",100", "100,", "1,0000", "1.2.3", "12a", "", "元", "1.", "--5",
                          "99999999999999999999999999"})
    bad(io::clean_amount(raw));
}

TEST(CompanyKey, SpellingsOfOneCompanyShareAKey) {
  EXPECT_EQ(io::company_key("ABC科技有限公司"), "abc");
  EXPECT_EQ(io::company_key("ＡＢＣ 科技"), "abc");
  EXPECT_EQ(io::company_key("abc"), "abc");
  EXPECT_EQ(io::company_key("上海华信科技股份有限公司"), io::company_key("上海华信（集团）"));
  EXPECT_EQ(io::company_key("Northwind Trading Co., Ltd."), "northwindtrading");
  EXPECT_EQ(io::company_key("NORTHWIND TRADING LIMITED"), "northwindtrading");
  EXPECT_EQ(io::company_key("科技有限公司"), "科技有限公司");
  EXPECT_NE(io::company_key("上海华信"), io::company_key("上海华新"));
}

TEST(CompanyKey, SimilarityIsOneMinusRelativeEditDistance) {
  EXPECT_DOUBLE_EQ(io::name_similarity("abc", "abc"), 1.0);
  EXPECT_DOUBLE_EQ(io::name_similarity("", ""), 1.0);
  EXPECT_DOUBLE_EQ(io::name_similarity("上海华信", "上海华新"), 0.75);
  EXPECT_DOUBLE_EQ(io::name_similarity("kitten", "sitting"), 1.0 - 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(io::name_similarity("abc", ""), 0.0);
  EXPECT_DOUBLE_EQ(io::name_similarity("上海华信", "上海华信"), 1.0);
}
