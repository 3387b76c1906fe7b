#include "crmkit/value.hpp"

#include <nlohmann/json.hpp>

namespace crmkit {

const char* Value::type_name() const {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "bool";
    case 2: return "integer";
    case 3: return "number";
    case 4: return "text";
    case 5: return "list";
    case 6: return "date";
    default: return "datetime";
  }
}

std::string Value::to_text() const {
  struct Render {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return nlohmann::json(d).dump(); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& l) const { return nlohmann::json(l).dump(); }
    std::string operator()(Date d) const { return format_date(d.ms); }
    std::string operator()(Timestamp t) const { return format_timestamp(t.ms); }
  };
  return std::visit(Render{}, v);
}

}  // namespace crmkit
