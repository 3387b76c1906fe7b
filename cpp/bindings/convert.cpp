// The argument and row-dict conversions declared in common.hpp, shared by every bind_*.cpp.
#include "common.hpp"

namespace crmkit::bindings {

Value to_field_value(py::handle value, const std::string& field, std::optional<std::int64_t> row) {
  try {
    return detail::to_value(value);
  } catch (const ValidationError& e) {
    throw ValidationError(row_prefix(row) + field + ": " + e.what(), field, row);
  }
}

std::map<std::string, Value> to_value_map(const py::dict& d, std::optional<std::int64_t> row) {
  std::map<std::string, Value> out;
  for (auto item : d) {
    std::string key = detail::utf8(py::str(item.first));
    out[key] = to_field_value(item.second, key, row);
  }
  return out;
}

py::dict keywords(std::initializer_list<std::pair<const char*, const KeywordValue*>> named, const py::kwargs& extra) {
  py::dict out;
  for (const auto& [name, k] : named)
    if (k->given()) out[name] = k->value;
  for (auto item : extra) out[item.first] = item.second;
  return out;
}

std::int64_t limit_arg(const std::optional<Integer>& limit) {
  if (!limit) return paging::kNoLimit;
  paging::check_explicit_limit(limit->value);
  return limit->value;
}

std::string row_prefix(std::optional<std::int64_t> row) { return row ? "row " + std::to_string(*row) + ": " : ""; }

py::dict row_dict(py::handle row, std::int64_t r) {
  if (!py::isinstance<py::dict>(row)) throw ValidationError(row_prefix(r) + "each row must be a dict", "", r);
  return py::reinterpret_borrow<py::dict>(row);
}

std::optional<py::object> item(const py::dict& row, const char* key) {
  if (!row.contains(key) || row[key].is_none()) return std::nullopt;
  return py::reinterpret_borrow<py::object>(row[key]);
}

std::optional<Ref> ref_field(const py::dict& row, const char* key, std::int64_t r) {
  auto v = item(row, key);
  if (!v) return std::nullopt;
  auto id = detail::id_of(*v);
  if (!id) throw ValidationError(row_prefix(r) + key + " must be an id or a record", key, r);
  return Ref{*id};
}

Ref required_ref_field(const py::dict& row, const char* key, std::int64_t r) {
  auto ref = ref_field(row, key, r);
  if (!ref) throw ValidationError(row_prefix(r) + key + " is required", key, r);
  return *ref;
}

void set_record_fields(py::handle cls, const std::vector<const char*>& names) {
  py::tuple t(names.size());
  std::size_t i = 0;
  for (const char* n : names) t[i++] = py::str(n);
  cls.attr("_fields") = t;
}

}  // namespace crmkit::bindings
