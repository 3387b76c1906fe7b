#include <string>

#include "common_internal.h"
#include "crmkit/error.hpp"
#include "lexer_internal.h"

namespace crmkit::rules::detail {

std::string Source::slice(std::int64_t begin, std::int64_t end) const {
  const auto b = byte_offsets[static_cast<std::size_t>(begin)];
  const auto e = byte_offsets[static_cast<std::size_t>(end)];
  return std::string(text.substr(b, e - b));
}

std::string Source::excerpt(std::int64_t begin, std::int64_t end) const {
  // Long literals would drown the message; the position already says where they are.
  constexpr std::int64_t kMaxExcerpt = 40;
  if (end - begin > kMaxExcerpt) return slice(begin, begin + kMaxExcerpt) + "...";
  return slice(begin, end);
}

void fail_at(const std::vector<char32_t>& cps, std::int64_t pos, const std::string& expected,
             const std::string& found, const std::string& prefix, const std::string& suffix) {
  std::int64_t line = 1;
  std::int64_t column = 1;
  const auto limit = std::min<std::int64_t>(pos, static_cast<std::int64_t>(cps.size()));
  for (std::int64_t i = 0; i < limit; ++i) {
    if (cps[static_cast<std::size_t>(i)] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  throw RuleSyntaxError(prefix + "expected " + expected + " at line " + std::to_string(line) +
                            ", column " + std::to_string(column) + ", found " + found + suffix,
                        pos, line, column);
}

namespace {

struct Keyword {
  std::string_view word;
  Tok kind;
};

constexpr Keyword kKeywords[] = {
    {"and", Tok::And},         {"or", Tok::Or},         {"not", Tok::Not},
    {"in", Tok::In},           {"between", Tok::Between}, {"contains", Tok::Contains},
    {"starts_with", Tok::StartsWith}, {"is", Tok::Is},  {"null", Tok::Null},
    {"true", Tok::True},       {"false", Tok::False},   {"now", Tok::Now},
    {"has_tag", Tok::HasTag},  {"in_group", Tok::InGroup},
};

bool equals_ascii_ci(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != keyword[i]) return false;
  }
  return true;
}

std::string char_name(char32_t cp) {
  std::string s = "'";
  append_utf8(s, cp);
  s += "'";
  return s;
}

int hex_value(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

class Lexer {
 public:
  explicit Lexer(const Source& src) : src_(src), cps_(src.cps) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      while (pos_ < size() && is_blank(at(pos_))) ++pos_;
      if (pos_ >= size()) break;
      out.push_back(next());
    }
    Token end;
    end.kind = Tok::End;
    end.begin = end.end = size();
    out.push_back(std::move(end));
    return out;
  }

 private:
  std::int64_t size() const { return static_cast<std::int64_t>(cps_.size()); }
  char32_t at(std::int64_t i) const { return i < size() ? cps_[static_cast<std::size_t>(i)] : 0; }

  [[noreturn]] void fail(std::int64_t pos, const std::string& expected, const std::string& found,
                         const std::string& prefix = {}, const std::string& suffix = {}) const {
    fail_at(cps_, pos, expected, found, prefix, suffix);
  }

  Token make(Tok kind, std::int64_t begin, std::int64_t len) {
    Token t;
    t.kind = kind;
    t.begin = begin;
    t.end = begin + len;
    pos_ = t.end;
    return t;
  }

  Token next() {
    const std::int64_t start = pos_;
    const char32_t c = at(pos_);
    const char32_t d = at(pos_ + 1);
    switch (c) {
      case '(': return make(Tok::LParen, start, 1);
      case ')': return make(Tok::RParen, start, 1);
      case ',': return make(Tok::Comma, start, 1);
      case '+': return make(Tok::Plus, start, 1);
      case '-': return make(Tok::Minus, start, 1);
      case '=': return make(Tok::Eq, start, d == '=' ? 2 : 1);
      case '!':
        if (d == '=') return make(Tok::Ne, start, 2);
        fail(start, "an operator such as '!=' or 'not'", "'!'");
      case '<':
        if (d == '=') return make(Tok::Le, start, 2);
        if (d == '>') return make(Tok::Ne, start, 2);
        return make(Tok::Lt, start, 1);
      case '>':
        if (d == '=') return make(Tok::Ge, start, 2);
        return make(Tok::Gt, start, 1);
      case '"': return string_literal();
      case '`': return quoted_identifier();
      case '\'':
        fail(start, "a string in double quotes", "''' (single quotes are not string delimiters)");
      default: break;
    }
    if (c >= '0' && c <= '9') return number();
    if (c == '.' && d >= '0' && d <= '9') fail(start, "a digit before '.'", "'.'");
    if (is_ident_start(c)) return identifier();
    std::string hint;
    if (c == 0x201C || c == 0x201D || c == 0xFF02) {
      hint = " (use straight double quotes \"...\" for strings)";
    } else if (c == 0xFF08 || c == 0xFF09 || c == 0xFF0C) {
      hint = " (use ASCII '(', ')' and ',')";
    } else if (c == 0x2264 || c == 0x2265 || c == 0x2260) {
      hint = " (use <=, >= or !=)";
    }
    std::string found = c < 0x20 ? "control character U+" + std::to_string(static_cast<unsigned>(c))
                                 : char_name(c);
    fail(start, "a field, value, operator or parenthesis", found, {}, hint);
  }

  Token identifier() {
    const std::int64_t start = pos_;
    std::int64_t i = pos_;
    while (i < size() && is_ident_part(at(i))) ++i;
    Token t;
    t.kind = Tok::Ident;
    t.begin = start;
    t.end = i;
    t.text = src_.slice(start, i);
    pos_ = i;
    for (const auto& kw : kKeywords) {
      if (equals_ascii_ci(t.text, kw.word)) {
        t.kind = kw.kind;
        break;
      }
    }
    return t;
  }

  Token quoted_identifier() {
    const std::int64_t start = pos_;
    std::int64_t i = pos_ + 1;
    std::string name;
    for (;;) {
      if (i >= size() || at(i) == '\n') {
        fail(i, "a closing '`' for the name started at position " + std::to_string(start),
             i >= size() ? "end of rule" : "end of line");
      }
      if (at(i) == '`') {
        if (at(i + 1) == '`') {  // a doubled backtick stands for one
          name += '`';
          i += 2;
          continue;
        }
        break;
      }
      append_utf8(name, at(i));
      ++i;
    }
    if (name.empty()) fail(start, "a field name between backticks", "'``'");
    Token t;
    t.kind = Tok::Ident;
    t.begin = start;
    t.end = i + 1;
    t.text = std::move(name);
    pos_ = t.end;
    return t;
  }

  Token string_literal() {
    const std::int64_t start = pos_;
    std::int64_t i = pos_ + 1;
    std::string value;
    for (;;) {
      // Pointing at the opening quote says more than pointing at the end of the rule.
      if (i >= size()) fail(start, "a closing '\"' for this string", "end of rule", "unterminated string: ");
      const char32_t c = at(i);
      if (c == '"') break;
      if (c == '\n' || c == '\r') {
        fail(i, "a closing '\"' for the string (write a line break as \\n)", "end of line");
      }
      if (c < 0x20 && c != '\t') fail(i, "a printable character in the string", "a control character");
      if (c != '\\') {
        append_utf8(value, c);
        ++i;
        continue;
      }
      const char32_t e = at(i + 1);
      switch (e) {
        case '"': value += '"'; i += 2; continue;
        case '\\': value += '\\'; i += 2; continue;
        case '/': value += '/'; i += 2; continue;
        case 'n': value += '\n'; i += 2; continue;
        case 't': value += '\t'; i += 2; continue;
        case 'r': value += '\r'; i += 2; continue;
        case 'u': break;
        default:
          fail(i, "an escape (\\\" \\\\ \\n \\t \\r \\/ \\uXXXX)",
               i + 1 >= size() ? std::string("end of rule") : "'\\" + src_.slice(i + 1, i + 2) + "'");
      }
      char32_t cp = hex4(i);
      std::int64_t used = 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (at(i + 6) != '\\' || at(i + 7) != 'u') {
          fail(i, "a \\uXXXX low surrogate after a high surrogate", "a lone surrogate");
        }
        const char32_t lo = hex4(i + 6);
        if (lo < 0xDC00 || lo > 0xDFFF) fail(i + 6, "a low surrogate \\uDC00-\\uDFFF", "'\\u" + src_.slice(i + 8, i + 12) + "'");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        used = 12;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(i, "a \\uXXXX escape that is not a lone low surrogate", "'\\u" + src_.slice(i + 2, i + 6) + "'");
      }
      // NUL would be cut off by SQLite's text functions (instr, length), breaking the promise
      // that SQL and the evaluator agree.
      if (cp == 0) fail(i, "a character other than NUL", "'\\u0000'");
      append_utf8(value, cp);
      i += used;
    }
    Token t;
    t.kind = Tok::String;
    t.begin = start;
    t.end = i + 1;
    t.text = std::move(value);
    pos_ = t.end;
    return t;
  }

  char32_t hex4(std::int64_t backslash) const {
    char32_t cp = 0;
    for (std::int64_t k = 0; k < 4; ++k) {
      const int h = hex_value(at(backslash + 2 + k));
      if (h < 0) {
        const std::int64_t p = backslash + 2 + k;
        fail(p, "four hex digits after \\u", p >= size() ? std::string("end of rule") : char_name(at(p)));
      }
      cp = cp * 16 + static_cast<char32_t>(h);
    }
    return cp;
  }

  static bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

  Token number() {
    const std::int64_t start = pos_;
    std::int64_t i = pos_;
    while (is_digit(at(i))) ++i;
    bool plain_integer = true;
    if (at(i) == '.') {
      if (!is_digit(at(i + 1))) fail(i + 1, "a digit after '.'", found_at(i + 1));
      ++i;
      while (is_digit(at(i))) ++i;
      plain_integer = false;
    }
    if ((at(i) == 'e' || at(i) == 'E') &&
        (is_digit(at(i + 1)) || ((at(i + 1) == '+' || at(i + 1) == '-') && is_digit(at(i + 2))))) {
      i += 2;
      while (is_digit(at(i))) ++i;
      plain_integer = false;
    }
    if (is_ident_part(at(i))) {
      const char32_t u = at(i);
      if (plain_integer && (u == 'd' || u == 'w' || u == 'h') && !is_ident_part(at(i + 1))) {
        Token t;
        t.kind = Tok::Duration;
        t.begin = start;
        t.end = i + 1;
        t.unit = static_cast<char>(u);
        t.text = src_.slice(start, i);
        // Ten million units keeps every offset far inside int64 milliseconds.
        if (t.text.size() > 8 || std::stoll(t.text) > 10'000'000) {
          fail(start, "a duration of at most 10000000 units", "'" + src_.excerpt(start, i + 1) + "'");
        }
        t.count = std::stoll(t.text);
        pos_ = t.end;
        return t;
      }
      std::int64_t j = i;
      while (is_ident_part(at(j))) ++j;
      fail(start, "a number (or a duration like 90d, 2w, 12h)", "'" + src_.excerpt(start, j) + "'");
    }
    Token t;
    t.kind = Tok::Number;
    t.begin = start;
    t.end = i;
    t.text = src_.slice(start, i);
    pos_ = i;
    return t;
  }

  std::string found_at(std::int64_t p) const {
    return p >= size() ? std::string("end of rule") : char_name(at(p));
  }

  const Source& src_;
  const std::vector<char32_t>& cps_;
  std::int64_t pos_ = 0;
};

}  // namespace

std::vector<Token> lex(const Source& source) { return Lexer(source).run(); }

std::string describe(const Source& source, const Token& token) {
  switch (token.kind) {
    case Tok::End: return "end of rule";
    case Tok::String: return "string " + source.excerpt(token.begin, token.end);
    case Tok::Number: return "number " + source.excerpt(token.begin, token.end);
    case Tok::Ident: return "'" + source.excerpt(token.begin, token.end) + "'";
    default: return "'" + source.excerpt(token.begin, token.end) + "'";
  }
}

}  // namespace crmkit::rules::detail
