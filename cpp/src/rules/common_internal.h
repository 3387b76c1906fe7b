// Private helpers shared by the rule lexer, parser, compiler and evaluator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::rules::detail {

using semantics::kMsPerDay;
using semantics::kMsPerHour;

// Decodes strict UTF-8 (no overlongs, no surrogates). On failure returns false and sets
// `bad_byte` to the offset of the first bad sequence. `byte_offsets` gets one entry per code
// point plus a final entry equal to text.size().
bool decode_utf8(std::string_view text, std::vector<char32_t>& out,
                 std::vector<std::size_t>& byte_offsets, std::size_t& bad_byte);
void append_utf8(std::string& out, char32_t cp);

bool is_ident_start(char32_t cp) noexcept;
bool is_ident_part(char32_t cp) noexcept;
bool is_blank(char32_t cp) noexcept;

// "2026-01-01", "2026-01-01T09:30", "2026-01-01 09:30:00", optional ".fff", optional "Z" or
// "+08:00"/"-0530". No offset means a wall-clock time in `zone` (a bare date: the start of that
// local day).
std::optional<std::int64_t> parse_datetime_ms(std::string_view text, const TimeZone& zone);
std::string format_date(std::int64_t ms);      // "2026-01-01" (the UTC day containing ms)
std::string format_datetime(std::int64_t ms);  // "2026-01-01T09:30:00Z", ".123" when needed
// The form to_text prints for a date/datetime literal: a plain day when it is a midnight.
std::string format_instant(std::int64_t ms);

// Shortest round-trip text of a double that still reads back as a double ("5.0", "1e+20").
std::string format_double(double d);
// A double-quoted rule string literal with the minimum escaping needed to read back.
std::string quote_string(std::string_view s);

// Levenshtein distance over code points, capped at `cap + 1` (early exit).
std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t cap);
std::u32string to_u32(std::string_view utf8);

}  // namespace crmkit::rules::detail
