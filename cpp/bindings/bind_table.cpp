// crmkit.Table: whole columns cross to Python at once. Ints, floats, times and dates arrive as
// numpy arrays with a validity mask; text and lists as Python lists. The row-wise sugar (rows(),
// iteration, to_pandas()) is added by python/crmkit/table.py.
#include <cstring>
#include <unordered_map>

#include <pybind11/numpy.h>

#include "common.hpp"
#include "crmkit/table.hpp"

namespace crmkit::bindings {
namespace {

const char* type_label(ColumnType t) {
  switch (t) {
    case ColumnType::Int: return "int";
    case ColumnType::Float: return "float";
    case ColumnType::Text: return "text";
    case ColumnType::Bool: return "bool";
    case ColumnType::Time: return "time";
    case ColumnType::Date: return "date";
    case ColumnType::TextList: return "list";
  }
  return "text";
}

template <typename T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

// Columns such as stage, industry or tags repeat a few values many times: hand out one Python
// string per distinct value while there are few of them (bounded, so a column of unique names
// does not pay for a useless map).
class StringCache {
 public:
  py::object get(const std::string& s) {
    if (cache_.size() < kMaxDistinct) {
      auto it = cache_.find(s);
      if (it != cache_.end()) return it->second;
      py::object o = py::str(s);
      cache_.emplace(s, o);
      return o;
    }
    return py::str(s);
  }

 private:
  static constexpr std::size_t kMaxDistinct = 4096;
  std::unordered_map<std::string, py::object> cache_;
};

py::object column_values(const Column& c) {
  switch (c.type) {
    case ColumnType::Float: return to_array(c.floats);
    case ColumnType::Text: {
      StringCache strings;
      py::list out(c.size());
      for (std::size_t i = 0; i < c.size(); ++i)
        out[i] = c.valid[i] ? strings.get(c.texts[i]) : py::object(py::none());
      return out;
    }
    case ColumnType::TextList: {
      StringCache strings;
      py::list out(c.size());
      for (std::size_t i = 0; i < c.size(); ++i) {
        py::list items(c.lists[i].size());
        for (std::size_t k = 0; k < c.lists[i].size(); ++k) items[k] = strings.get(c.lists[i][k]);
        out[i] = std::move(items);
      }
      return out;
    }
    default: return to_array(c.ints);
  }
}

}  // namespace

void init_table(py::module_& m) {
  py::class_<Table>(m, "Table", "Columnar rows returned by the engine.")
      .def(py::init<>())
      .def("__len__", &Table::rows)
      .def_property_readonly("columns",
                             [](const Table& t) {
                               py::list names;
                               for (const auto& c : t.columns()) names.append(c.name);
                               return names;
                             })
      .def_property_readonly("column_types",
                             [](const Table& t) {
                               py::dict types;
                               for (const auto& c : t.columns()) types[py::str(c.name)] = type_label(c.type);
                               return types;
                             })
      .def("_raw", [](const Table& t, std::size_t i) {
        const Column& c = t.column(i);
        return py::make_tuple(c.name, type_label(c.type), column_values(c), to_array(c.valid));
      });
}

}  // namespace crmkit::bindings
