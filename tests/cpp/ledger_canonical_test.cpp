// The ledger's JSON string writer against nlohmann::json's compact dump, the form every stored
// entry was first hashed over: byte for byte, on hand-picked edge cases and on random strings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "crmkit/text.hpp"

using crmkit::text::append_json_string;

namespace {

std::string reference(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ours(const std::string& s) {
  std::string out = "x";  // appends: what was there stays
  append_json_string(out, s);
  return out.substr(1);
}

TEST(LedgerCanonical, EdgeCasesMatchTheReference) {
  std::vector<std::string> cases = {
      "", "plain", "引号\"和\\反斜杠", std::string("nul\0inside", 10), "\b\f\n\r\t\x01\x1f\x7f",
      "表情😀✓𠀋", "ｆｕｌｌ　ｗｉｄｔｈ", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
      "\xF4\x8F\xBF\xBF",
      // ill-formed: overlong forms, surrogates, above U+10FFFF, truncated, lone continuation bytes
      "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
      "\xE4\xB8", "a\xE4", "\x80", "\xBF\xBF", "ok\xFFok", "\xFE\xFF", "中\xE4\xB8文"};
  for (const auto& s : cases)
    EXPECT_EQ(ours(s), reference(s)) << "input: "
                                     << nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

TEST(LedgerCanonical, RandomStringsMatchTheReference) {
  std::mt19937 rng(20261204);
  // Pieces chosen so that random concatenations hit every branch: ASCII, the escaped characters,
  // the controls, well-formed sequences of each length, and their broken halves.
  const std::vector<std::string> pieces = {
      "a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
      "é", "中", "文", "😀", "𠀋", "\xC2", "\x80", "\xE4\xB8", "\xF0\x9F\x98", "\xED\xA0\x80", "\xF4\x90\x80\x80",
      "\xC0\xAF", "\xFF", "{\"k\":[1,2]}"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      if (rng() % 5 == 0)
        s += static_cast<char>(rng() % 256);  // any byte at all
      else
        s += pieces[rng() % pieces.size()];
    }
    ASSERT_EQ(ours(s), reference(s)) << "round " << round;
  }
}

}  // namespace
