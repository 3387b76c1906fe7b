// crmkit/io/clean.hpp — the cleaning rules for what people type into spreadsheets and forms.
//
// One definition of each normaliser, so that an import, `customers.add`, lead conversion and
// de-duplication derive the same keys from the same text. Each function takes raw text (any
// width, any spacing) and returns either the cleaned value or a problem a person can act on;
// none throws for bad data (a batch reports problems per row and column), only for bad
// arguments. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmkit::io {

// A cleaned value, or why there is none. `problem` is empty exactly when `value` is set.
template <class T>
struct Cleaned {
  std::optional<T> value;
  std::string problem;

  static Cleaned ok(T v) { return Cleaned{std::move(v), {}}; }
  static Cleaned bad(std::string why) { return Cleaned{std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
};

// Unicode NFKC (full-width letters and digits become ASCII, compatibility forms their plain
// letters), white space trimmed at both ends and collapsed inside to one ASCII space (U+3000,
// NBSP, tabs and line breaks included). Invalid UTF-8 is a problem.
Cleaned<std::string> clean_text(std::string_view raw);

// A phone number in E.164 ("+862155550000"), parsed by libphonenumber for `region` (an ISO
// 3166 alpha-2 code; numbers without a country code belong to it). Full-width digits, spaces,
// dashes, dots, parentheses and a trunk "0" are accepted; a number that is not a valid number of
// its country is a problem.
Cleaned<std::string> clean_phone(std::string_view raw, std::string_view region = "CN");

namespace detail {
// libphonenumber's full parse of text already cleaned: what clean_phone does for any text its
// mainland-mobile shortcut does not read. Declared for the test that compares both paths.
Cleaned<std::string> parse_phone(const std::string& text, std::string_view region);
}  // namespace detail

// An e-mail address lower-cased (after NFKC), with the shape local@domain.tld checked: one "@",
// no spaces or control characters, dot-separated non-empty domain labels, a top-level label of
// at least two letters.
Cleaned<std::string> clean_email(std::string_view raw);

// A calendar date as the days since 1970-01-01 (the engine stores its midnight UTC). Accepted:
// ISO "2026-01-05" (also "2026-1-5"), "2026/1/5", "2026.01.05", "2026年1月5日", and Excel serial
// day numbers ("46027", as a spreadsheet holds a date cell). Impossible dates (2026-02-30) are
// problems that say why.
Cleaned<std::int64_t> clean_date(std::string_view raw);

// Money in integer cents. Accepted: "12800", "12,800.50" (thousands separators only in groups
// of three), a leading "¥"/"￥"/"RMB", a trailing "元", "万" (ten thousand: "1.2万" = 12000) or
// "亿" (a hundred million), and a leading minus. Rounded half away from zero to the cent.
Cleaned<std::int64_t> clean_amount(std::string_view raw);

// The key under which spellings of one company compare equal: NFKC case-folded, punctuation and
// white space removed, and the legal-form and generic words that people add or leave out
// (有限公司, 有限责任公司, 股份, 集团, 科技, Co., Ltd., Inc., GmbH, ...) dropped. "ABC科技有限公司"
// and "ＡＢＣ 科技" both give "abc". Never fails: a name made only of such words keeps them.
std::string company_key(std::string_view name);

// Similarity of two company keys in [0, 1]: 1 − (Levenshtein distance over code points) /
// (length of the longer key). Chosen because a typo or a dropped character costs one edit
// whatever the script, and Chinese names are too short for token scores to separate them.
double name_similarity(std::string_view key_a, std::string_view key_b);

}  // namespace crmkit::io
