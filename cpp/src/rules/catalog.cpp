#include "crmkit/rules/catalog.hpp"

namespace crmkit::rules {

std::string_view type_name(FieldType type) noexcept {
  switch (type) {
    case FieldType::Text: return "text";
    case FieldType::Number: return "number";
    case FieldType::Integer: return "integer";
    case FieldType::Bool: return "bool";
    case FieldType::Date: return "date";
    case FieldType::DateTime: return "datetime";
    case FieldType::Enum: return "enum";
    case FieldType::MultiEnum: return "multi_enum";
    case FieldType::User: return "user";
  }
  return "unknown";
}

const FieldInfo* Catalog::find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

namespace {
bool sql_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
}  // namespace

ExpandedSql expand_now(std::string_view sql, std::string_view with) {
  ExpandedSql out;
  out.sql.reserve(sql.size());
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
    if (c == '?') ++out.placeholders;
    if (c == '$' && sql.substr(i, 4) == "$now" && (i + 4 == sql.size() || !sql_ident_char(sql[i + 4]))) {
      out.sql += with;
      ++out.now_count;
      i += 3;
      continue;
    }
    out.sql += c;
  }
  return out;
}

}  // namespace crmkit::rules
