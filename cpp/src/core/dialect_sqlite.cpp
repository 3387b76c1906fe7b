// SQLite's SQL forms (see crmkit/dialect.hpp).
#include "crmkit/dialect.hpp"

namespace crmkit {
namespace {

std::string str(std::string_view s) { return std::string(s); }

// `'$."key"'`: the JSON path of one key. Keys are identifiers, so they need no escaping.
std::string path(std::string_view key) { return "'$.\"" + str(key) + "\"'"; }

class SqliteDialect final : public Dialect {
 public:
  std::string json_value(std::string_view object_sql, std::string_view key) const override {
    return "json_extract(" + str(object_sql) + ", " + path(key) + ")";
  }
  std::string json_without(std::string_view object_sql, std::string_view key) const override {
    return "json_remove(" + str(object_sql) + ", " + path(key) + ")";
  }
  std::string json_has(std::string_view object_sql, std::string_view key) const override {
    return "(json_type(" + str(object_sql) + ", " + path(key) + ") IS NOT NULL)";
  }
  std::string json_is_array(std::string_view text_sql) const override {
    const std::string f = str(text_sql);
    return "(CASE WHEN json_valid(" + f + ") THEN json_type(" + f + ") = 'array' ELSE 0 END)";
  }
  std::string json_elements(std::string_view array_sql, std::string_view alias) const override {
    return "json_each(" + str(array_sql) + ") AS " + str(alias);  // table-valued, so lateral
  }
  std::string json_element_is_text(std::string_view alias) const override {
    return "(" + str(alias) + ".type = 'text')";
  }
  std::string ids_in_json(std::string_view param) const override {
    return "SELECT value FROM json_each(" + str(param) + ")";
  }
  std::string json_array_agg(std::string_view expr) const override { return "json_group_array(" + str(expr) + ")"; }
  std::string greatest(std::string_view a, std::string_view b) const override {
    return "max(" + str(a) + ", " + str(b) + ")";
  }
  std::string least(std::string_view a, std::string_view b) const override {
    return "min(" + str(a) + ", " + str(b) + ")";
  }
  std::string bytewise_collation() const override { return "BINARY"; }
  std::string is_text(std::string_view expr) const override { return "(typeof(" + str(expr) + ") = 'text')"; }
  std::string is_integer(std::string_view expr) const override {
    return "(typeof(" + str(expr) + ") = 'integer')";
  }
  std::string position_function() const override { return "instr"; }
  std::string table_exists_query() const override {
    return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
  }
  std::string column_names_query() const override { return "SELECT name FROM pragma_table_info(?)"; }
  std::string temporary_table(std::string_view name) const override { return "temp." + str(name); }
  std::string index_hint(std::string_view index) const override { return " INDEXED BY " + str(index); }
};

}  // namespace

const Dialect& sqlite_dialect() {
  static const SqliteDialect dialect;
  return dialect;
}

}  // namespace crmkit
