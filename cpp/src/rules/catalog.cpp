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

}  // namespace crmkit::rules
