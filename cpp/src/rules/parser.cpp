#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <unordered_map>

#include "common_internal.h"
#include "crmkit/error.hpp"
#include "crmkit/rules/rule.hpp"
#include "lexer_internal.h"

namespace crmkit::rules {

using detail::Source;
using detail::Tok;
using detail::Token;

std::string_view op_name(Op op) noexcept {
  switch (op) {
    case Op::And: return "and";
    case Op::Or: return "or";
    case Op::Not: return "not";
    case Op::Eq: return "=";
    case Op::Ne: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::In: return "in";
    case Op::NotIn: return "not in";
    case Op::Between: return "between";
    case Op::NotBetween: return "not between";
    case Op::Contains: return "contains";
    case Op::NotContains: return "not contains";
    case Op::StartsWith: return "starts_with";
    case Op::NotStartsWith: return "not starts_with";
    case Op::IsNull: return "is null";
    case Op::IsNotNull: return "is not null";
    case Op::HasTag: return "has_tag";
    case Op::InGroup: return "in_group";
  }
  return "?";
}

std::int64_t Operand::offset_ms() const noexcept { return semantics::offset_ms(count, unit); }

Value Operand::resolve(std::int64_t now_ms) const { return semantics::literal(*this, now_ms); }

std::string Rule::source(const Node& node) const {
  return text_.substr(node.byte_begin, node.byte_end - node.byte_begin);
}

namespace {

enum OpMask : unsigned {
  kCompare = 1u << 0,   // = !=
  kOrder = 1u << 1,     // < <= > >=
  kIn = 1u << 2,        // in, not in
  kBetween = 1u << 3,   // between, not between
  kContains = 1u << 4,  // contains, not contains
  kStarts = 1u << 5,    // starts_with, not starts_with
};

unsigned allowed_ops(FieldType t) {
  switch (t) {
    case FieldType::Text: return kCompare | kOrder | kIn | kBetween | kContains | kStarts;
    case FieldType::Number:
    case FieldType::Integer:
    case FieldType::Date:
    case FieldType::DateTime: return kCompare | kOrder | kIn | kBetween;
    case FieldType::Enum:
    case FieldType::User: return kCompare | kIn;
    case FieldType::Bool: return kCompare;
    case FieldType::MultiEnum: return kContains;
  }
  return 0;
}

std::string allowed_list(FieldType t) {
  const unsigned m = allowed_ops(t);
  std::string s;
  auto add = [&](const char* x) { s += s.empty() ? "" : ", "; s += x; };
  if (m & kCompare) { add("="); add("!="); }
  if (m & kOrder) { add("<"); add("<="); add(">"); add(">="); }
  if (m & kIn) { add("in"); add("not in"); }
  if (m & kBetween) { add("between"); add("not between"); }
  if (m & kContains) { add("contains"); add("not contains"); }
  if (m & kStarts) { add("starts_with"); add("not starts_with"); }
  add("is null");
  add("is not null");
  return s;
}

std::string article_type(FieldType t) {
  const std::string_view n = type_name(t);
  const bool vowel = n[0] == 'e' || n[0] == 'i' || n[0] == 'u';
  // "a user" reads right despite the vowel letter.
  return std::string(vowel && t != FieldType::User ? "an " : "a ") + std::string(n);
}

std::string expected_literal(FieldType t) {
  switch (t) {
    case FieldType::Text:
    case FieldType::Enum:
    case FieldType::MultiEnum: return "a string in double quotes";
    case FieldType::Number:
    case FieldType::Integer: return "a number";
    case FieldType::Bool: return "true or false";
    case FieldType::Date: return "a date such as \"2026-01-01\" or now - 90d";
    case FieldType::DateTime: return "a datetime such as \"2026-01-01T09:30:00Z\" or now - 12h";
    case FieldType::User: return "a user id (an integer)";
  }
  return "a value";
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Parser {
 public:
  Parser(const Source& src, std::vector<Token> tokens, const Catalog& catalog)
      : src_(src), toks_(std::move(tokens)), catalog_(catalog) {}

  Rule run() {
    const std::int32_t root = parse_or(0);
    if (peek().kind != Tok::End) {
      fail(peek(), "'and', 'or' or end of rule");
    }
    (void)root;  // the root is the last node by construction
    return Rule(std::string(src_.text), catalog_.entity, std::move(fields_), std::move(nodes_));
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& take() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
  }

  [[noreturn]] void fail(const Token& at, const std::string& expected,
                         const std::string& prefix = {}, const std::string& suffix = {}) const {
    detail::fail_at(src_.cps, at.begin, expected, detail::describe(src_, at), prefix, suffix);
  }

  void check_depth(int depth, const Token& at) const {
    if (depth > kMaxDepth) {
      detail::fail_at(src_.cps, at.begin,
                      "at most " + std::to_string(kMaxDepth) +
                          " levels of parentheses and 'not'",
                      "level " + std::to_string(depth), "rule nests too deeply: ");
    }
  }

  std::int32_t add(Node node) {
    node.byte_begin = src_.byte_offsets[static_cast<std::size_t>(node.begin)];
    node.byte_end = src_.byte_offsets[static_cast<std::size_t>(node.end)];
    nodes_.push_back(std::move(node));
    return static_cast<std::int32_t>(nodes_.size()) - 1;
  }

  std::int32_t connective(Op op, std::vector<std::int32_t> children) {
    Node n;
    n.op = op;
    n.begin = nodes_[static_cast<std::size_t>(children.front())].begin;
    n.end = nodes_[static_cast<std::size_t>(children.back())].end;
    n.children = std::move(children);
    return add(std::move(n));
  }

  std::int32_t parse_or(int depth) {
    const std::int32_t first = parse_and(depth);
    if (peek().kind != Tok::Or) return first;
    std::vector<std::int32_t> children{first};
    while (accept(Tok::Or)) children.push_back(parse_and(depth));
    return connective(Op::Or, std::move(children));
  }

  std::int32_t parse_and(int depth) {
    const std::int32_t first = parse_not(depth);
    if (peek().kind != Tok::And) return first;
    std::vector<std::int32_t> children{first};
    while (accept(Tok::And)) children.push_back(parse_not(depth));
    return connective(Op::And, std::move(children));
  }

  std::int32_t parse_not(int depth) {
    if (peek().kind != Tok::Not) return parse_primary(depth);
    const Token& kw = take();
    check_depth(depth + 1, kw);
    const std::int32_t child = parse_not(depth + 1);
    Node n;
    n.op = Op::Not;
    n.begin = kw.begin;
    n.end = nodes_[static_cast<std::size_t>(child)].end;
    n.children = {child};
    return add(std::move(n));
  }

  std::int32_t parse_primary(int depth) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::LParen: {
        const Token& open = take();
        check_depth(depth + 1, open);
        if (peek().kind == Tok::RParen) fail(peek(), "a condition inside '( )'");
        const std::int32_t inner = parse_or(depth + 1);
        if (peek().kind != Tok::RParen) fail(peek(), "')'");
        const Token& close = take();
        // The parentheses belong to the clause so that explain() shows what the user wrote.
        auto& n = nodes_[static_cast<std::size_t>(inner)];
        n.begin = open.begin;
        n.end = close.end;
        n.byte_begin = src_.byte_offsets[static_cast<std::size_t>(n.begin)];
        n.byte_end = src_.byte_offsets[static_cast<std::size_t>(n.end)];
        return inner;
      }
      case Tok::HasTag:
      case Tok::InGroup: return parse_function();
      case Tok::Ident: return parse_predicate();
      case Tok::End:
        if (nodes_.empty() && pos_ == 0) {
          detail::fail_at(src_.cps, t.begin, "a condition", "end of rule", "empty rule: ");
        }
        fail(t, "a condition (a field, has_tag(...), in_group(...), 'not' or '(')");
      default:
        fail(t, "a condition (a field, has_tag(...), in_group(...), 'not' or '(')");
    }
  }

  std::int32_t parse_function() {
    const Token& fn = take();
    const bool tag = fn.kind == Tok::HasTag;
    const std::string& sql = tag ? catalog_.has_tag_sql : catalog_.in_group_sql;
    if (sql.empty()) {
      fail(fn, "a field of " + catalog_.entity, {},
           std::string(" (") + (tag ? "tags" : "groups") + " are not available for " +
               catalog_.entity + " rules)");
    }
    if (!accept(Tok::LParen)) fail(peek(), "'(' after " + std::string(tag ? "has_tag" : "in_group"));
    if (peek().kind != Tok::String) {
      fail(peek(), std::string("the ") + (tag ? "tag" : "group") + " name as a string in double quotes");
    }
    Operand name;
    name.value = Value(take().text);
    if (peek().kind != Tok::RParen) fail(peek(), "')' after the name");
    const Token& close = take();
    Node n;
    n.op = tag ? Op::HasTag : Op::InGroup;
    n.args.push_back(std::move(name));
    n.begin = fn.begin;
    n.end = close.end;
    return add(std::move(n));
  }

  // Exact match first; otherwise a unique match ignoring ASCII case, since users type `Name`
  // as readily as `name` and keywords are case-insensitive too.
  const FieldInfo* lookup(const std::string& name) const {
    if (const FieldInfo* f = catalog_.find(name)) return f;
    const std::string lower = ascii_lower(name);
    const FieldInfo* found = nullptr;
    for (const auto& f : catalog_.fields) {
      if (ascii_lower(f.name) == lower) {
        if (found != nullptr) return nullptr;
        found = &f;
      }
    }
    return found;
  }

  std::int32_t resolve_field(const Token& t) {
    const FieldInfo* f = lookup(t.text);
    if (f == nullptr) {
      std::string suffix;
      if (const auto* close = closest(t.text)) suffix = "; did you mean '" + close->name + "'?";
      detail::fail_at(src_.cps, t.begin, "a field of " + catalog_.entity,
                      "unknown field '" + src_.excerpt(t.begin, t.end) + "'", {}, suffix);
    }
    if (auto it = field_index_.find(f->name); it != field_index_.end()) return it->second;
    fields_.push_back(*f);
    const auto idx = static_cast<std::int32_t>(fields_.size()) - 1;
    field_index_.emplace(f->name, idx);
    return idx;
  }

  const FieldInfo* closest(std::string_view name) const {
    const std::u32string target = detail::to_u32(ascii_lower(name));
    const std::size_t cap = target.size() <= 3 ? 1 : target.size() <= 6 ? 2 : 3;
    const FieldInfo* best = nullptr;
    std::size_t best_d = cap + 1;
    for (const auto& f : catalog_.fields) {
      const std::size_t d = detail::edit_distance(target, detail::to_u32(ascii_lower(f.name)), cap);
      if (d < best_d) {
        best_d = d;
        best = &f;
      }
    }
    if (best != nullptr || target.size() < 2) return best;
    // Short Chinese names are often typed as a prefix of the real one (客户 for 客户名称).
    for (const auto& f : catalog_.fields) {
      const std::u32string name = detail::to_u32(ascii_lower(f.name));
      if (name.size() > target.size() && name.compare(0, target.size(), target) == 0) {
        if (best != nullptr) return nullptr;
        best = &f;
      }
    }
    return best;
  }

  std::int32_t parse_predicate() {
    const Token& field_tok = take();
    Node n;
    n.field = resolve_field(field_tok);
    n.begin = field_tok.begin;
    const FieldInfo& field = fields_[static_cast<std::size_t>(n.field)];
    const unsigned allowed = allowed_ops(field.type);
    const std::string context = field.name + " is " + article_type(field.type) + " field: ";
    auto bad_op = [&](const Token& at) {
      fail(at, "an operator for " + std::string(type_name(field.type)) + " field " + field.name +
                   " (" + allowed_list(field.type) + ")");
    };
    auto require = [&](unsigned mask, const Token& at) {
      if (!(allowed & mask)) bad_op(at);
    };

    const Token& op_tok = peek();
    switch (op_tok.kind) {
      case Tok::Eq: case Tok::Ne: case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: {
        const bool order = op_tok.kind != Tok::Eq && op_tok.kind != Tok::Ne;
        require(order ? kOrder : kCompare, op_tok);
        if (peek(1).kind == Tok::Null) {
          fail(peek(1), expected_literal(field.type), context,
               op_tok.kind == Tok::Ne ? " (write 'is not null')" : " (write 'is null')");
        }
        take();
        n.op = op_tok.kind == Tok::Eq   ? Op::Eq
               : op_tok.kind == Tok::Ne ? Op::Ne
               : op_tok.kind == Tok::Lt ? Op::Lt
               : op_tok.kind == Tok::Le ? Op::Le
               : op_tok.kind == Tok::Gt ? Op::Gt
                                        : Op::Ge;
        n.args.push_back(literal(field, context, /*check_options=*/true));
        break;
      }
      case Tok::Is: {
        take();
        const bool negated = accept(Tok::Not);
        if (peek().kind != Tok::Null) fail(peek(), negated ? "'null' after 'is not'" : "'null' or 'not null' after 'is'");
        take();
        n.op = negated ? Op::IsNotNull : Op::IsNull;
        break;
      }
      case Tok::Not:
      case Tok::In:
      case Tok::Between:
      case Tok::Contains:
      case Tok::StartsWith: {
        const bool negated = op_tok.kind == Tok::Not;
        if (negated) {
          take();
          const Tok k = peek().kind;
          if (k != Tok::In && k != Tok::Between && k != Tok::Contains && k != Tok::StartsWith) {
            fail(peek(), "'in', 'between', 'contains' or 'starts_with' after 'not'");
          }
        }
        const Token& kw = peek();
        if (kw.kind == Tok::In) {
          require(kIn, kw);
          take();
          n.op = negated ? Op::NotIn : Op::In;
          if (!accept(Tok::LParen)) fail(peek(), "'(' to start the list after 'in'");
          for (;;) {
            n.args.push_back(literal(field, context, true));
            if (accept(Tok::Comma)) continue;
            if (peek().kind == Tok::RParen) break;
            fail(peek(), "',' or ')' in the list");
          }
          take();
        } else if (kw.kind == Tok::Between) {
          require(kBetween, kw);
          take();
          n.op = negated ? Op::NotBetween : Op::Between;
          n.args.push_back(literal(field, context, true));
          if (!accept(Tok::And)) fail(peek(), "'and' between the two bounds of 'between'");
          n.args.push_back(literal(field, context, true));
        } else {
          const bool contains = kw.kind == Tok::Contains;
          require(contains ? kContains : kStarts, kw);
          take();
          n.op = contains ? (negated ? Op::NotContains : Op::Contains)
                          : (negated ? Op::NotStartsWith : Op::StartsWith);
          // Substring tests on text are free-form; membership in a multi_enum is checked.
          n.args.push_back(literal(field, context, field.type == FieldType::MultiEnum));
        }
        break;
      }
      default: bad_op(op_tok);
    }
    n.end = toks_[pos_ - 1].end;
    return add(std::move(n));
  }

  Operand literal(const FieldInfo& field, const std::string& context, bool check_options) {
    const Token& t = peek();
    const FieldType type = field.type;
    Operand out;
    auto mismatch = [&](const Token& at, const std::string& suffix = {}) {
      fail(at, expected_literal(type), context, suffix);
    };
    // (The lambda always throws; the explicit returns after its calls below only keep the
    // compiler's flow analysis happy.)
    switch (t.kind) {
      case Tok::String: {
        if (type == FieldType::Text || type == FieldType::Enum || type == FieldType::MultiEnum) {
          if (check_options && !field.options.empty() && type != FieldType::Text) {
            bool found = false;
            for (const auto& o : field.options) found = found || o == t.text;
            if (!found) fail(t, "one of " + options_list(field.options), context);
          }
          out.value = Value(t.text);
          take();
          return out;
        }
        if (type == FieldType::Date || type == FieldType::DateTime) {
          // A datetime literal without an offset is local; a date field holds labels of days.
          const auto ms = detail::parse_datetime_ms(t.text, type == FieldType::DateTime ? catalog_.zone : TimeZone{});
          if (!ms) mismatch(t);
          out.value = Value(*ms);
          out.zone = catalog_.zone;
          take();
          return out;
        }
        mismatch(t);
        return out;
      }
      case Tok::Number:
      case Tok::Minus:
      case Tok::Plus: {
        if (t.kind != Tok::Number && peek(1).kind != Tok::Number) mismatch(t.kind == Tok::End ? t : peek(1));
        if (type != FieldType::Number && type != FieldType::Integer && type != FieldType::User) {
          mismatch(t);
        }
        const bool negative = t.kind == Tok::Minus;
        const Token& sign_tok = t;
        if (t.kind != Tok::Number) take();
        const Token& num = take();
        out.value = number_value(num, negative, sign_tok);
        if (type == FieldType::User && !out.value.is_int()) mismatch(sign_tok);
        return out;
      }
      case Tok::True:
      case Tok::False:
        if (type != FieldType::Bool) mismatch(t);
        out.value = Value(t.kind == Tok::True);
        take();
        return out;
      case Tok::Now: {
        if (type != FieldType::Date && type != FieldType::DateTime) mismatch(t);
        take();
        out.relative = true;
        out.calendar = type == FieldType::Date;
        out.zone = catalog_.zone;
        if (peek().kind == Tok::Minus || peek().kind == Tok::Plus) {
          const bool minus = take().kind == Tok::Minus;
          if (peek().kind != Tok::Duration) fail(peek(), "a duration such as 90d, 2w or 12h after now " + std::string(minus ? "-" : "+"));
          const Token& d = take();
          out.count = minus ? -d.count : d.count;
          out.unit = d.unit;
        }
        return out;
      }
      case Tok::Null:
        mismatch(t, " (write 'is null' or 'is not null')");
        return out;
      case Tok::Duration:
        mismatch(t, " (relative dates are written now - " + src_.slice(t.begin, t.end) + ")");
        return out;
      default:
        mismatch(t);
        return out;
    }
  }

  Value number_value(const Token& num, bool negative, const Token& sign_tok) const {
    const std::string text = (negative ? "-" : "") + num.text;
    const bool integral = num.text.find_first_of(".eE") == std::string::npos;
    if (integral) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0) return Value(static_cast<std::int64_t>(v));
      // Too big for int64: keep going as a double, as SQLite does with such literals.
    }
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (errno == ERANGE && std::isinf(d)) {
      detail::fail_at(src_.cps, sign_tok.begin, "a number within the range of a double",
                      "'" + src_.excerpt(sign_tok.begin, num.end) + "'");
    }
    return Value(d);
  }

  static std::string options_list(const std::vector<std::string>& options) {
    constexpr std::size_t kShown = 20;  // long option lists would bury the message
    std::string s;
    for (std::size_t i = 0; i < options.size() && i < kShown; ++i) {
      if (i) s += ", ";
      s += detail::quote_string(options[i]);
    }
    if (options.size() > kShown) s += ", ... (" + std::to_string(options.size()) + " options)";
    return s;
  }

  const Source& src_;
  std::vector<Token> toks_;
  const Catalog& catalog_;
  std::size_t pos_ = 0;
  std::vector<Node> nodes_;
  std::vector<FieldInfo> fields_;
  std::unordered_map<std::string, std::int32_t> field_index_;
};

}  // namespace

Rule parse(std::string_view text, const Catalog& catalog) {
  // Count code points before decoding anything so that oversized input is rejected in one
  // cheap pass.
  std::int64_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  if (count > kMaxRuleLength) {
    std::vector<char32_t> prefix;
    std::vector<std::size_t> offsets;
    std::size_t bad = 0;
    std::size_t cut = 0;
    for (std::int64_t seen = 0; cut < text.size(); ++cut) {
      if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80 && seen++ == kMaxRuleLength) break;
    }
    detail::decode_utf8(text.substr(0, cut), prefix, offsets, bad);
    detail::fail_at(prefix, kMaxRuleLength, "at most 65,536 characters",
                    std::to_string(count) + " characters", "rule too long: ");
  }
  Source src;
  src.text = text;
  std::size_t bad = 0;
  if (!detail::decode_utf8(text, src.cps, src.byte_offsets, bad)) {
    std::vector<char32_t> prefix;
    std::vector<std::size_t> offsets;
    std::size_t ignored = 0;
    detail::decode_utf8(text.substr(0, bad), prefix, offsets, ignored);
    detail::fail_at(prefix, static_cast<std::int64_t>(prefix.size()), "valid UTF-8 text",
                    "an invalid byte sequence");
  }
  auto tokens = detail::lex(src);
  if (tokens.size() == 1) {
    detail::fail_at(src.cps, 0, "a condition", "end of rule", "empty rule: ");
  }
  return Parser(src, std::move(tokens), catalog).run();
}

}  // namespace crmkit::rules
