// crmkit/rules/rule.hpp — a parsed, type-checked rule and the functions that create and print it.
//
// parse() lexes, parses and type-checks a rule against a Catalog in one pass and either returns
// a Rule that is known to be well-typed or throws crmkit::RuleSyntaxError. Nothing downstream
// (compile, evaluate, explain) re-checks types.
//
// The AST is a flat array of nodes in post-order: every child has a smaller index than its
// parent and the root is the last node. A leaf refers to a field by index into Rule::fields()
// and holds its literals already converted to the field's representation, so a column-at-a-time
// evaluator can walk nodes() front to back with one column per field.
//
// Thread-safety: a Rule is immutable after parse(); share const references freely. The free
// functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crmkit/rules/catalog.hpp"
#include "crmkit/rules/value.hpp"

namespace crmkit::rules {

// A rule longer than this many code points is rejected before it is lexed.
inline constexpr std::int64_t kMaxRuleLength = 65536;
// Parentheses plus `not` prefixes enclosing any point of the rule may not exceed this.
inline constexpr int kMaxDepth = 64;

enum class Op : std::uint8_t {
  And, Or, Not,                  // connectives: children only
  Eq, Ne, Lt, Le, Gt, Ge,        // field op args[0]
  In, NotIn,                     // field [not] in (args...)
  Between, NotBetween,           // field [not] between args[0] and args[1], inclusive
  Contains, NotContains,         // text: substring; multi_enum: membership
  StartsWith, NotStartsWith,     // text prefix, bytewise
  IsNull, IsNotNull,             // no args
  HasTag, InGroup,               // args[0] is the name; no field
};

// The keyword or symbol of an operator as printed by to_text ("=", "not in", "has_tag", ...).
std::string_view op_name(Op op) noexcept;

// A literal, or `now` plus an offset (resolved against the now_ms given to compile/evaluate).
struct Operand {
  Value value;                 // literals: already in the field's representation (dates: ms)
  bool relative = false;       // `now`, `now - 90d`, ...: value is unused
  std::int64_t count = 0;      // signed number of units after `now`
  char unit = 'd';             // 'd' (days), 'w' (weeks) or 'h' (hours)
  // A relative date compared with a `date` field: the instant now ± offset is read as the local
  // wall clock in `zone` (dates are labels of local days, stored as their midnight UTC).
  bool calendar = false;
  TimeZone zone;  // the catalog's, for date operands (also how to_text prints a datetime literal)

  std::int64_t offset_ms() const noexcept;
  // The literal, or now_ms + offset for a relative date.
  Value resolve(std::int64_t now_ms) const;
};

struct Node {
  Op op = Op::And;
  std::int32_t field = -1;             // index into Rule::fields(); -1 for connectives and functions
  std::vector<Operand> args;           // literals in source order
  std::vector<std::int32_t> children;  // And/Or: two or more; Not: one
  // Source span in code points (for positions) and in bytes (for slicing text()).
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::size_t byte_begin = 0;
  std::size_t byte_end = 0;
};

class Rule {
 public:
  Rule() = default;
  Rule(std::string text, std::string entity, std::vector<FieldInfo> fields,
       std::vector<Node> nodes)
      : text_(std::move(text)), entity_(std::move(entity)), fields_(std::move(fields)),
        nodes_(std::move(nodes)) {}

  const std::string& text() const noexcept { return text_; }      // as given to parse()
  const std::string& entity() const noexcept { return entity_; }  // the catalog's entity
  // Copies of the catalog entries the rule refers to, in order of first use.
  const std::vector<FieldInfo>& fields() const noexcept { return fields_; }
  const std::vector<Node>& nodes() const noexcept { return nodes_; }
  std::int32_t root() const noexcept { return static_cast<std::int32_t>(nodes_.size()) - 1; }
  const Node& node(std::int32_t index) const { return nodes_.at(static_cast<std::size_t>(index)); }
  // The exact source text of a node (leading/trailing blanks trimmed).
  std::string source(const Node& node) const;

 private:
  std::string text_;
  std::string entity_;
  std::vector<FieldInfo> fields_;
  std::vector<Node> nodes_;
};

// Lexes, parses and type-checks `text` (UTF-8) against `catalog`.
// Throws crmkit::RuleSyntaxError with the 0-based code-point position and the 1-based line and
// column of the offending token for: invalid UTF-8, an empty rule, a rule over kMaxRuleLength
// code points, nesting over kMaxDepth, any lexical or grammar error, an unknown field (with a
// suggestion when a known name is close), an operator the field's type does not support, a
// literal of the wrong type, an enum option not in the field's list, has_tag/in_group on an
// entity without them. Every message says what was expected and what was found.
Rule parse(std::string_view text, const Catalog& catalog);

// Canonical text: lower-case keywords, single spaces, minimal parentheses, literals in a form
// that parses back to the same literal (dates print as ISO-8601 UTC). parse(to_text(r)) with the
// same catalog yields a rule with the same meaning and the same canonical text.
std::string to_text(const Rule& rule);

// Distinct field names the rule reads, in order of first use (has_tag/in_group are not fields).
std::vector<std::string> fields_used(const Rule& rule);

}  // namespace crmkit::rules
