// crmkit/text.hpp — the text rules every domain applies to what users type.
//
// Names are trimmed of Unicode white space (including the ideographic space U+3000), lengths are
// counted in code points (so 200 Chinese characters fit a 200-character limit), and invalid
// UTF-8 is refused. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crmkit::text {

// Documented length limits, in code points.
constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxShort = 100;   // industry, source, kind, title, tags' container names
constexpr std::size_t kMaxPhone = 50;
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxTag = 50;
constexpr std::size_t kMaxLong = 10000;  // summaries, notes, custom text fields

// Removes leading and trailing white space (ASCII, NBSP, U+3000 and the other Unicode spaces).
std::string trim(std::string_view s);
// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);
// Appends `s` as a JSON string, byte for byte as nlohmann::json's compact dump writes it (not
// ASCII-only, invalid UTF-8 replaced). The approval ledger hashes this form, so the two must never
// differ (tests/cpp/ledger_canonical_test.cpp checks it on random strings). Well-formed UTF-8 is
// escaped here directly; anything else is handed to nlohmann itself.
void append_json_string(std::string& out, std::string_view s);
// Number of code points; throws ValidationError naming `field` if `s` is not valid UTF-8.
std::size_t code_points(std::string_view s, const std::string& field);

// Trims, then checks: non-empty (when `required`), at most `max_len` code points, valid UTF-8.
// Returns the trimmed text, or nullopt for an empty optional value. Errors name `field` and `row`.
std::optional<std::string> clean(std::string_view s, const std::string& field, std::size_t max_len,
                                 bool required, std::optional<std::int64_t> row = std::nullopt);

// Unicode NFKC (full-width forms become their ASCII letters and digits). `s` must be valid UTF-8.
std::string nfkc(std::string_view s);

// Trims and collapses every run of Unicode white space inside to one ASCII space.
std::string collapse_space(std::string_view s);

// NFKC folding plus case folding and white-space collapsing: the key under which two spellings
// of one company ("ＡＢＣ 科技" and "abc 科技") compare equal.
std::string fold_key(std::string_view s);

}  // namespace crmkit::text
