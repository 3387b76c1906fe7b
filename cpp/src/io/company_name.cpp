// Company-name keys and their similarity (see crmkit/io/clean.hpp).
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <string>
#include <vector>

#include "crmkit/io/clean.hpp"
#include "crmkit/text.hpp"

namespace crmkit::io {
namespace {

// Legal forms and generic words that one spelling of a company carries and another leaves out.
// Longest first, so that 股份有限公司 goes before 有限公司 and 股份 can match what is left.
constexpr std::array<std::string_view, 9> kChineseStopWords = {"股份有限公司", "有限责任公司", "有限公司", "股份",
                                                               "集团", "控股", "科技", "公司", "责任"};
constexpr std::array<std::string_view, 18> kLatinStopWords = {
    "co",  "ltd",   "limited",    "inc",          "corp", "corporation", "company",  "llc",      "gmbh",
    "plc", "pte",   "technology", "technologies", "tech", "group",       "holding", "holdings", "the"};

std::vector<UChar32> code_points_of(std::string_view s) {
  std::vector<UChar32> out;
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

void append(std::string& out, UChar32 c) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), len, 4, c, error);
  if (!error) out.append(buf, static_cast<std::size_t>(len));
}

// Keeps letters and digits; a run of ASCII letters and digits is a word, kept unless it is a
// stop word; other scripts' letters are kept one by one (Chinese has no word boundaries).
std::string strip_words(const std::string& folded) {
  std::string out, word;
  auto flush = [&] {
    if (!word.empty() && std::find(kLatinStopWords.begin(), kLatinStopWords.end(), word) == kLatinStopWords.end())
      out += word;
    word.clear();
  };
  for (UChar32 c : code_points_of(folded)) {
    if (c < 0x80 && (std::isalnum(static_cast<int>(c)) != 0)) {
      word += static_cast<char>(c);
      continue;
    }
    flush();
    if (c >= 0x80 && u_isalnum(c)) append(out, c);
  }
  flush();
  return out;
}

}  // namespace

std::string company_key(std::string_view name) {
  std::string folded = text::fold_key(name);
  std::string reduced = folded;
  for (auto word : kChineseStopWords)
    for (std::size_t at; (at = reduced.find(word)) != std::string::npos;) reduced.erase(at, word.size());
  std::string key = strip_words(reduced);
  // A name made only of generic words ("科技有限公司") keeps them rather than matching every
  // other such name under the empty key.
  return key.empty() ? strip_words(folded) : key;
}

double name_similarity(std::string_view key_a, std::string_view key_b) {
  const auto a = code_points_of(key_a), b = code_points_of(key_b);
  const std::size_t longest = std::max(a.size(), b.size());
  if (longest == 0) return 1.0;
  std::vector<std::size_t> row(b.size() + 1), next(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    next[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      next[j] = std::min({row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(row, next);
  }
  return 1.0 - static_cast<double>(row[b.size()]) / static_cast<double>(longest);
}

}  // namespace crmkit::io
