// Private: the rule lexer and the source-location helpers the parser shares with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crmkit::rules::detail {

// The rule text decoded once; positions everywhere are indices into `cps`.
struct Source {
  std::string_view text;
  std::vector<char32_t> cps;
  std::vector<std::size_t> byte_offsets;  // cps.size() + 1 entries

  std::string slice(std::int64_t begin, std::int64_t end) const;  // UTF-8 of [begin, end)
  // "'abc'"-style excerpt of [begin, end), shortened when long.
  std::string excerpt(std::int64_t begin, std::int64_t end) const;
};

// Throws crmkit::RuleSyntaxError "{prefix}expected {expected} at line L, column C, found
// {found}{suffix}" for code-point position `pos` of `cps` (which may be partial: only the prefix
// up to pos is scanned).
[[noreturn]] void fail_at(const std::vector<char32_t>& cps, std::int64_t pos,
                          const std::string& expected, const std::string& found,
                          const std::string& prefix = {}, const std::string& suffix = {});

enum class Tok {
  End, Ident, String, Number, Duration,
  LParen, RParen, Comma, Plus, Minus, Eq, Ne, Lt, Le, Gt, Ge,
  And, Or, Not, In, Between, Contains, StartsWith, Is, Null, True, False, Now, HasTag, InGroup,
};

struct Token {
  Tok kind = Tok::End;
  std::string text;          // Ident: the name; String: decoded value; Number: the digits
  std::int64_t begin = 0;    // code points, [begin, end)
  std::int64_t end = 0;
  std::int64_t count = 0;    // Duration: the number of units
  char unit = 0;             // Duration: 'd', 'w' or 'h'
};

// Splits the whole source into tokens, ending with one Tok::End. Throws RuleSyntaxError.
std::vector<Token> lex(const Source& source);

// How a token is named in "found ..." ("end of rule", "'and'", "string \"x\"", "number 12").
std::string describe(const Source& source, const Token& token);

}  // namespace crmkit::rules::detail
