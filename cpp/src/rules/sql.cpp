#include <algorithm>
#include <string>

#include "common_internal.h"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/error.hpp"
#include "crmkit/rules/sql.hpp"
#include "lexer_internal.h"

namespace crmkit::rules {

namespace {

// Copies catalog SQL, turning each $now into a bound parameter. A '?' in catalog SQL would shift
// every parameter after it, so anything but the expected count is rejected as a catalog bug.
void append_catalog_sql(std::string_view sql, std::string_view what, std::int64_t now_ms,
                        int allowed_placeholders, SqlFragment& out) {
  const ExpandedSql e = expand_now(sql, "?");
  if (e.placeholders > allowed_placeholders) {
    throw Error("internal error: catalog SQL for " + std::string(what) +
                " has an unexpected '?' placeholder");
  }
  if (e.placeholders != allowed_placeholders) {
    throw Error("internal error: catalog SQL for " + std::string(what) + " must have exactly " +
                std::to_string(allowed_placeholders) + " '?' placeholder(s)");
  }
  // The caller binds the catalog's own '?' (has_tag/in_group) after these $now parameters.
  out.sql += e.sql;
  for (int i = 0; i < e.now_count; ++i) out.params.emplace_back(now_ms);
}

class Compiler {
 public:
  Compiler(const Rule& rule, const Catalog& catalog, std::int64_t now_ms, bool filter)
      : rule_(rule), catalog_(catalog), now_ms_(now_ms), filter_(filter) {}

  SqlFragment run() {
    dialect();  // a catalog without one is refused whatever the rule uses
    if (rule_.entity() != catalog_.entity) {
      fail(0, "a catalog for " + rule_.entity() + " rules", "one for " + catalog_.entity);
    }
    for (std::size_t i = 0; i < rule_.fields().size(); ++i) {
      const FieldInfo& mine = rule_.fields()[i];
      const FieldInfo* now = catalog_.find(mine.name);
      if (now == nullptr || now->type != mine.type) {
        std::int64_t pos = 0;
        for (const auto& n : rule_.nodes()) {
          if (n.field == static_cast<std::int32_t>(i)) {
            pos = n.begin;
            break;
          }
        }
        fail(pos, "a field of " + catalog_.entity,
             now == nullptr ? "'" + mine.name + "', which no longer exists"
                            : "'" + mine.name + "', which is now " +
                                  std::string(type_name(now->type)) + " instead of " +
                                  std::string(type_name(mine.type)));
      }
      current_.push_back(now);
    }
    if (!rule_.nodes().empty()) emit(rule_.root());
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(std::int64_t pos, const std::string& expected, const std::string& found) {
    std::vector<char32_t> cps;
    std::vector<std::size_t> offsets;
    std::size_t bad = 0;
    detail::decode_utf8(rule_.text(), cps, offsets, bad);
    detail::fail_at(cps, pos, expected, found);
  }

  void field(const Node& n) {
    const FieldInfo& f = *current_[static_cast<std::size_t>(n.field)];
    out_.sql += '(';
    append_catalog_sql(f.sql, "field " + f.name, now_ms_, 0, out_);
    out_.sql += ')';
  }

  // The field as the left operand of a comparison: text is forced to bytewise collation so a
  // NOCASE column cannot make SQL disagree with semantics::compare. COLLATE keeps the affinity.
  void compared_field(const Node& n) {
    const bool text = semantics::is_text_type(current_[static_cast<std::size_t>(n.field)]->type);
    if (text) out_.sql += '(';
    field(n);
    if (text) {
      out_.sql += " COLLATE ";
      out_.sql += dialect().bytewise_collation();
      out_.sql += ')';
    }
  }

  // Catalog SQL of the node's field, wrapped by `wrap` (a semantics:: SQL builder that may name
  // the field several times); every copy binds its own $now parameters, in order.
  template <typename Wrap>
  void wrapped_field(const Node& n, Wrap&& wrap) {
    const FieldInfo& f = *current_[static_cast<std::size_t>(n.field)];
    SqlFragment inner;
    append_catalog_sql(f.sql, "field " + f.name, now_ms_, 0, inner);
    const std::string sql = wrap("(" + inner.sql + ")");
    out_.sql += sql;
    if (inner.params.empty()) return;
    const auto copies = static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '?')) / inner.params.size();
    for (std::size_t k = 0; k < copies; ++k) out_.params.insert(out_.params.end(), inner.params.begin(), inner.params.end());
  }

  // Opens and closes a predicate that SQL makes NULL on NULL input: COALESCE turns it into what
  // the NULL rule says (semantics::on_null), so the expression is always 0 or 1 and NOT is exact.
  // A filter leaves a predicate bare where no NOT is above it: there WHERE already reads NULL as
  // false (AND and OR are monotone, so a NULL below them decides as a 0 would), and a bare
  // comparison is one SQLite can answer from an index on the column.
  bool bare() const { return filter_ && positive_; }
  void open_null_rule() { out_.sql += bare() ? "(" : "COALESCE("; }
  void close_null_rule(Op op) {
    if (bare())
      out_.sql += ')';
    else
      out_.sql += semantics::on_null(op) ? ", 1)" : ", 0)";
  }

  void param(const Operand& op) {
    out_.sql += '?';
    out_.params.push_back(semantics::literal(op, now_ms_));
  }

  // Operands [begin, end) of an and/or joined as a balanced tree of groups of at most eight:
  // SQLite parses `a AND b AND c ...` into a chain as deep as it is long and refuses one deeper
  // than 1000, while a rule may have thousands of operands.
  void emit_operands(const Node& n, std::size_t begin, std::size_t end) {
    constexpr std::size_t kGroup = 8;
    const char* joint = n.op == Op::And ? " AND " : " OR ";
    out_.sql += '(';
    if (end - begin <= kGroup) {
      for (std::size_t i = begin; i < end; ++i) {
        if (i > begin) out_.sql += joint;
        emit(n.children[i]);
      }
    } else {
      const std::size_t step = (end - begin + kGroup - 1) / kGroup;
      for (std::size_t i = begin; i < end; i += step) {
        if (i > begin) out_.sql += joint;
        emit_operands(n, i, std::min(end, i + step));
      }
    }
    out_.sql += ')';
  }

  void emit(std::int32_t index) {
    const Node& n = rule_.node(index);
    switch (n.op) {
      case Op::And:
      case Op::Or:
        emit_operands(n, 0, n.children.size());
        return;
      case Op::Not: {
        // Every operand is 0 or 1, so NOT NOT x is x: a chain of negations compiles to at most
        // one, which keeps SQLite's parser stack (about a hundred levels) out of reach.
        bool negate = true;
        std::int32_t child = n.children[0];
        while (rule_.node(child).op == Op::Not) {
          negate = !negate;
          child = rule_.node(child).children[0];
        }
        if (!negate) {
          emit(child);
          return;
        }
        out_.sql += "(NOT ";
        const bool positive = positive_;
        positive_ = false;
        emit(child);
        positive_ = positive;
        out_.sql += ')';
        return;
      }
      case Op::HasTag:
      case Op::InGroup: {
        const bool tag = n.op == Op::HasTag;
        out_.sql += bare() ? "((" : "COALESCE((";
        append_catalog_sql(tag ? catalog_.has_tag_sql : catalog_.in_group_sql,
                           tag ? "has_tag" : "in_group", now_ms_, 1, out_);
        out_.params.push_back(n.args[0].value);
        out_.sql += bare() ? "))" : "), 0)";
        return;
      }
      case Op::IsNull:
      case Op::IsNotNull:
        out_.sql += '(';
        if (current_[static_cast<std::size_t>(n.field)]->type == FieldType::MultiEnum) {
          // A multi_enum that is not a JSON array counts as NULL (semantics::multi_enum_value).
          if (n.op == Op::IsNull) out_.sql += "NOT ";
          wrapped_field(n, [&](std::string_view f) { return semantics::multi_enum_is_list_sql(dialect(), f); });
        } else {
          field(n);
          out_.sql += n.op == Op::IsNull ? " IS NULL" : " IS NOT NULL";
        }
        out_.sql += ')';
        return;
      default: break;
    }
    const FieldType type = current_[static_cast<std::size_t>(n.field)]->type;
    switch (n.op) {
      case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        open_null_rule();
        compared_field(n);
        out_.sql += ' ';
        out_.sql += op_name(n.op);
        out_.sql += ' ';
        param(n.args[0]);
        close_null_rule(n.op);
        return;
      case Op::In:
      case Op::NotIn:
        open_null_rule();
        compared_field(n);
        out_.sql += n.op == Op::In ? " IN (" : " NOT IN (";
        for (std::size_t i = 0; i < n.args.size(); ++i) {
          if (i) out_.sql += ", ";
          param(n.args[i]);
        }
        out_.sql += ')';
        close_null_rule(n.op);
        return;
      case Op::Between:
      case Op::NotBetween:
        open_null_rule();
        compared_field(n);
        out_.sql += n.op == Op::Between ? " BETWEEN " : " NOT BETWEEN ";
        param(n.args[0]);
        out_.sql += " AND ";
        param(n.args[1]);
        close_null_rule(n.op);
        return;
      case Op::Contains:
      case Op::NotContains:
        if (type == FieldType::MultiEnum) {
          // Membership among the array's text elements; CASE is lazy, so json_each never sees
          // malformed text, and a value that is not a list follows the NULL rule.
          out_.sql += "(CASE WHEN ";
          wrapped_field(n, [&](std::string_view f) { return semantics::multi_enum_is_list_sql(dialect(), f); });
          out_.sql += n.op == Op::Contains ? " THEN EXISTS(SELECT 1 FROM " : " THEN NOT EXISTS(SELECT 1 FROM ";
          wrapped_field(n, [&](std::string_view f) { return dialect().json_elements(f, "rule_je"); });
          out_.sql += " WHERE " + dialect().json_element_is_text("rule_je") + " AND rule_je.value = ";
          param(n.args[0]);
          out_.sql += semantics::on_null(n.op) ? ") ELSE 1 END)" : ") ELSE 0 END)";
          return;
        }
        open_null_rule();
        out_.sql += dialect().position_function() + "(";
        wrapped_field(n, [&](std::string_view f) { return semantics::text_operand_sql(dialect(), f); });
        out_.sql += ", ";
        param(n.args[0]);
        out_.sql += n.op == Op::Contains ? ") > 0" : ") = 0";
        close_null_rule(n.op);
        return;
      case Op::StartsWith:
      case Op::NotStartsWith:
        open_null_rule();
        out_.sql += "substr(";
        wrapped_field(n, [&](std::string_view f) { return semantics::text_operand_sql(dialect(), f); });
        out_.sql += ", 1, length(";
        param(n.args[0]);
        out_.sql += n.op == Op::StartsWith ? ")) = " : ")) <> ";
        param(n.args[0]);
        close_null_rule(n.op);
        return;
      default:
        CRMKIT_ASSERT(false && "unhandled rule operator");
    }
  }

  const Dialect& dialect() const {
    if (!catalog_.dialect) throw Error("the rule catalog of '" + catalog_.entity + "' names no SQL dialect");
    return *catalog_.dialect;
  }

  const Rule& rule_;
  const Catalog& catalog_;
  std::int64_t now_ms_;
  bool filter_;           // compile_filter(): predicates under no NOT stay bare
  bool positive_ = true;  // no NOT above the node being emitted
  std::vector<const FieldInfo*> current_;
  SqlFragment out_;
};

}  // namespace

SqlFragment compile(const Rule& rule, const Catalog& catalog, std::int64_t now_ms) {
  return Compiler(rule, catalog, now_ms, false).run();
}

SqlFragment compile_filter(const Rule& rule, const Catalog& catalog, std::int64_t now_ms) {
  return Compiler(rule, catalog, now_ms, true).run();
}

}  // namespace crmkit::rules
