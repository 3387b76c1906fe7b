// Text cleaning and time parsing: the rules every domain relies on.
#include <gtest/gtest.h>

#include "crmkit/error.hpp"
#include "crmkit/text.hpp"
#include "crmkit/time.hpp"

using namespace crmkit;

TEST(Text, TrimsUnicodeWhiteSpace) {
  EXPECT_EQ(text::trim("\u3000 上海 \u00a0"), "上海");
  EXPECT_EQ(text::trim("   "), "");
}

TEST(Text, CountsCodePointsNotBytes) {
  EXPECT_EQ(text::code_points("上海🚀e\u0301", "f"), 5u);
  EXPECT_THROW(text::code_points("\xff\xfe", "f"), ValidationError);
  std::string long_name(201, 'x');
  EXPECT_THROW(text::clean(long_name, "name", text::kMaxName, true), ValidationError);
  std::string chinese;
  for (int i = 0; i < 200; ++i) chinese += "中";
  EXPECT_EQ(*text::clean(chinese, "name", text::kMaxName, true), chinese);
}

TEST(Text, FoldKeyMatchesFullWidthAndCase) {
  EXPECT_EQ(text::fold_key("ＡＢＣ  科技"), text::fold_key("abc 科技"));
}

TEST(Time, ParsesIsoForms) {
  EXPECT_EQ(parse_timestamp("1970-01-02", "t").ms, kMillisPerDay);
  EXPECT_EQ(parse_timestamp("1970-01-01T01:00:00Z", "t").ms, kMillisPerHour);
  EXPECT_EQ(parse_timestamp("1970-01-01T09:00+08:00", "t").ms, kMillisPerHour);
  EXPECT_EQ(parse_timestamp("1970-01-01 00:00:00.250", "t").ms, 250);
  EXPECT_THROW(parse_timestamp("2026-02-30", "due"), ValidationError);
  EXPECT_THROW(parse_timestamp("tomorrow", "due"), ValidationError);
  EXPECT_EQ(format_timestamp(parse_timestamp("2026-01-15T09:30:00Z", "t").ms), "2026-01-15T09:30:00.000Z");
  EXPECT_EQ(floor_to_day(-1), -kMillisPerDay);
}
