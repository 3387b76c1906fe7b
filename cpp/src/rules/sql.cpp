#include <string>

#include "common_internal.h"
#include "crmkit/error.hpp"
#include "crmkit/rules/sql.hpp"
#include "lexer_internal.h"

namespace crmkit::rules {

namespace {

bool sql_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Copies catalog SQL, turning each $now into a bound parameter. Quoted SQL strings and quoted
// identifiers are copied untouched so that a JSON path like '$.now' is never rewritten. A '?' in
// catalog SQL would shift every parameter after it, so it is rejected as a catalog bug.
void append_catalog_sql(std::string_view sql, std::string_view what, std::int64_t now_ms,
                        std::size_t allowed_placeholders, SqlFragment& out) {
  std::size_t placeholders = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out.sql += c;
      if (c == quote) quote = 0;  // a doubled quote re-enters immediately: same result
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      out.sql += c;
      continue;
    }
    if (c == '?') {
      if (++placeholders > allowed_placeholders) {
        throw Error("internal error: catalog SQL for " + std::string(what) +
                    " has an unexpected '?' placeholder");
      }
      out.sql += c;
      continue;
    }
    if (c == '$' && sql.substr(i, 4) == "$now" && (i + 4 == sql.size() || !sql_ident_char(sql[i + 4]))) {
      out.sql += '?';
      out.params.emplace_back(now_ms);
      i += 3;
      continue;
    }
    out.sql += c;
  }
  if (placeholders != allowed_placeholders) {
    throw Error("internal error: catalog SQL for " + std::string(what) + " must have exactly " +
                std::to_string(allowed_placeholders) + " '?' placeholder(s)");
  }
}

Value param_of(const Operand& op, std::int64_t now_ms) {
  Value v = op.resolve(now_ms);
  // Booleans go in as 0/1 so that any binder handles them the way SQLite stores them.
  if (v.is_bool()) return Value(static_cast<std::int64_t>(v.as_bool() ? 1 : 0));
  return v;
}

class Compiler {
 public:
  Compiler(const Rule& rule, const Catalog& catalog, std::int64_t now_ms)
      : rule_(rule), catalog_(catalog), now_ms_(now_ms) {}

  SqlFragment run() {
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
  // NOCASE column cannot make SQL disagree with the evaluator. COLLATE keeps the affinity.
  void compared_field(const Node& n) {
    const FieldType t = current_[static_cast<std::size_t>(n.field)]->type;
    const bool text = t == FieldType::Text || t == FieldType::Enum;
    if (text) out_.sql += '(';
    field(n);
    if (text) out_.sql += " COLLATE BINARY)";
  }

  void param(const Operand& op) {
    out_.sql += '?';
    out_.params.push_back(param_of(op, now_ms_));
  }

  void emit(std::int32_t index) {
    const Node& n = rule_.node(index);
    switch (n.op) {
      case Op::And:
      case Op::Or: {
        out_.sql += '(';
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          if (i) out_.sql += n.op == Op::And ? " AND " : " OR ";
          emit(n.children[i]);
        }
        out_.sql += ')';
        return;
      }
      case Op::Not:
        out_.sql += "(NOT ";
        emit(n.children[0]);
        out_.sql += ')';
        return;
      case Op::HasTag:
      case Op::InGroup: {
        const bool tag = n.op == Op::HasTag;
        out_.sql += "COALESCE((";
        append_catalog_sql(tag ? catalog_.has_tag_sql : catalog_.in_group_sql,
                           tag ? "has_tag" : "in_group", now_ms_, 1, out_);
        out_.params.push_back(n.args[0].value);
        out_.sql += "), 0)";
        return;
      }
      case Op::IsNull:
      case Op::IsNotNull:
        if (current_[static_cast<std::size_t>(n.field)]->type == FieldType::MultiEnum) {
          // Text that is not a JSON array cannot be read as a list; it counts as NULL so that
          // `is null` stays the exact complement of what `contains` can see.
          out_.sql += "(CASE WHEN json_valid(";
          field(n);
          out_.sql += ") THEN json_type(";
          field(n);
          out_.sql += n.op == Op::IsNull ? ") <> 'array' ELSE 1 END)" : ") = 'array' ELSE 0 END)";
          return;
        }
        out_.sql += '(';
        field(n);
        out_.sql += n.op == Op::IsNull ? " IS NULL)" : " IS NOT NULL)";
        return;
      default: break;
    }
    // Every remaining predicate is NULL on NULL input in SQL; COALESCE turns that into false,
    // matching the evaluator's two-valued logic, and keeps NOT exact.
    const FieldType type = current_[static_cast<std::size_t>(n.field)]->type;
    switch (n.op) {
      case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        out_.sql += "COALESCE(";
        compared_field(n);
        out_.sql += ' ';
        out_.sql += op_name(n.op);
        out_.sql += ' ';
        param(n.args[0]);
        out_.sql += ", 0)";
        return;
      case Op::In:
      case Op::NotIn:
        out_.sql += "COALESCE(";
        compared_field(n);
        out_.sql += n.op == Op::In ? " IN (" : " NOT IN (";
        for (std::size_t i = 0; i < n.args.size(); ++i) {
          if (i) out_.sql += ", ";
          param(n.args[i]);
        }
        out_.sql += "), 0)";
        return;
      case Op::Between:
      case Op::NotBetween:
        out_.sql += "COALESCE(";
        compared_field(n);
        out_.sql += n.op == Op::Between ? " BETWEEN " : " NOT BETWEEN ";
        param(n.args[0]);
        out_.sql += " AND ";
        param(n.args[1]);
        out_.sql += ", 0)";
        return;
      case Op::Contains:
      case Op::NotContains:
        if (type == FieldType::MultiEnum) {
          // json_valid guards json_each against malformed text (CASE evaluates lazily); a
          // NULL, malformed or non-array value never matches, in either polarity.
          out_.sql += "CASE WHEN json_valid(";
          field(n);
          out_.sql += ") THEN CASE WHEN json_type(";
          field(n);
          out_.sql += n.op == Op::Contains ? ") = 'array' THEN EXISTS(SELECT 1 FROM json_each("
                                           : ") = 'array' THEN NOT EXISTS(SELECT 1 FROM json_each(";
          field(n);
          out_.sql += ") AS rule_je WHERE rule_je.value = ";
          param(n.args[0]);
          out_.sql += ") ELSE 0 END ELSE 0 END";
          return;
        }
        out_.sql += "COALESCE(instr(";
        field(n);
        out_.sql += ", ";
        param(n.args[0]);
        out_.sql += n.op == Op::Contains ? ") > 0, 0)" : ") = 0, 0)";
        return;
      case Op::StartsWith:
      case Op::NotStartsWith:
        out_.sql += "COALESCE(substr(";
        field(n);
        out_.sql += ", 1, length(";
        param(n.args[0]);
        out_.sql += n.op == Op::StartsWith ? ")) = " : ")) <> ";
        param(n.args[0]);
        out_.sql += ", 0)";
        return;
      default:
        CRMKIT_ASSERT(false && "unhandled rule operator");
    }
  }

  const Rule& rule_;
  const Catalog& catalog_;
  std::int64_t now_ms_;
  std::vector<const FieldInfo*> current_;
  SqlFragment out_;
};

}  // namespace

SqlFragment compile(const Rule& rule, const Catalog& catalog, std::int64_t now_ms) {
  return Compiler(rule, catalog, now_ms).run();
}

}  // namespace crmkit::rules
