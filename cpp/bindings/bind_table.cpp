// crmkit.Table: whole columns cross to Python at once. Ints, floats, times and dates arrive as
// numpy arrays with a validity mask; text and lists as Python lists. The row-wise sugar (rows(),
// iteration, to_pandas(), Arrow, HTML) is added by python/crmkit/table.py. A Table pickles as
// its columns, copies as a C++ copy, and compares by value.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
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

// Rows [begin, end) of a column; whole columns use begin 0, end size().
struct Range {
  std::size_t begin, end;
  std::size_t size() const { return end - begin; }
};

template <typename T>
py::array_t<T> to_array(const std::vector<T>& v, Range r) {
  py::array_t<T> a(static_cast<py::ssize_t>(r.size()));
  if (r.size()) std::memcpy(a.mutable_data(), v.data() + r.begin, r.size() * sizeof(T));
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

py::object column_values(const Column& c, Range r) {
  switch (c.type) {
    case ColumnType::Float: return to_array(c.floats, r);
    case ColumnType::Text: {
      StringCache strings;
      py::list out(r.size());
      for (std::size_t i = r.begin; i < r.end; ++i)
        out[i - r.begin] = c.valid[i] ? strings.get(c.texts[i]) : py::object(py::none());
      return out;
    }
    case ColumnType::TextList: {
      StringCache strings;
      py::list out(r.size());
      for (std::size_t i = r.begin; i < r.end; ++i) {
        py::list items(c.lists[i].size());
        for (std::size_t k = 0; k < c.lists[i].size(); ++k) items[k] = strings.get(c.lists[i][k]);
        out[i - r.begin] = std::move(items);
      }
      return out;
    }
    default: return to_array(c.ints, r);
  }
}

std::optional<ColumnType> parse_type_label(const std::string& label) {
  for (ColumnType t : {ColumnType::Int, ColumnType::Float, ColumnType::Text, ColumnType::Bool, ColumnType::Time,
                       ColumnType::Date, ColumnType::TextList})
    if (label == type_label(t)) return t;
  return std::nullopt;
}

// The state of a Table for pickle: one (name, type, values, valid) tuple per column, as _raw gives.
py::tuple raw_column(const Column& c, Range r) {
  return py::make_tuple(c.name, type_label(c.type), column_values(c, r), to_array(c.valid, r));
}

py::tuple raw_column(const Column& c) { return raw_column(c, Range{0, c.size()}); }

template <typename T>
std::vector<T> from_array(py::handle values) {
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!a) throw ValidationError("cannot unpickle a Table: a column's values are not an array");
  return std::vector<T>(a.data(), a.data() + a.size());
}

Table table_from_state(const py::tuple& state) {
  Table t;
  for (auto item : state) {
    auto col = item.cast<py::tuple>();
    if (col.size() != 4) throw ValidationError("cannot unpickle a Table: each column is (name, type, values, valid)");
    auto type = parse_type_label(col[1].cast<std::string>());
    if (!type) throw ValidationError("cannot unpickle a Table: unknown column type " + col[1].cast<std::string>());
    Column& c = t.column(t.add_column(col[0].cast<std::string>(), *type));
    c.valid = from_array<std::uint8_t>(col[3]);
    switch (*type) {
      case ColumnType::Float: c.floats = from_array<double>(col[2]); break;
      case ColumnType::Text:
        for (auto v : col[2]) c.texts.push_back(v.is_none() ? std::string() : detail::utf8(v));
        break;
      case ColumnType::TextList:
        for (auto v : col[2]) c.lists.push_back(v.cast<std::vector<std::string>>());
        break;
      default: c.ints = from_array<std::int64_t>(col[2]);
    }
    std::size_t n = *type == ColumnType::Float  ? c.floats.size()
                    : *type == ColumnType::Text ? c.texts.size()
                    : *type == ColumnType::TextList ? c.lists.size()
                                                    : c.ints.size();
    if (n != c.valid.size() || (t.width() > 1 && c.size() != t.column(0).size()))
      throw ValidationError("cannot unpickle a Table: column " + c.name + " has the wrong length");
  }
  return t;
}

// Cell-by-cell equality; a NULL equals a NULL whatever its placeholder, a NaN equals a NaN.
bool same_column(const Column& a, const Column& b) {
  if (a.name != b.name || a.type != b.type || a.valid != b.valid) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a.valid[i]) continue;
    switch (a.type) {
      case ColumnType::Float:
        if (!(a.floats[i] == b.floats[i] || (std::isnan(a.floats[i]) && std::isnan(b.floats[i])))) return false;
        break;
      case ColumnType::Text:
        if (a.texts[i] != b.texts[i]) return false;
        break;
      case ColumnType::TextList:
        if (a.lists[i] != b.lists[i]) return false;
        break;
      default:
        if (a.ints[i] != b.ints[i]) return false;
    }
  }
  return true;
}

bool same_table(const Table& a, const Table& b) {
  if (a.width() != b.width() || a.rows() != b.rows()) return false;
  for (std::size_t i = 0; i < a.width(); ++i)
    if (!same_column(a.column(i), b.column(i))) return false;
  return true;
}

}  // namespace

void init_table(py::module_& m) {
  py::class_<Table>(m, "Table",
                    "Columnar rows returned by the engine: len(), iteration over Rows, t[i], t['column'], "
                    "rows(), to_pandas(), to_arrow(), to_polars(); renders as HTML in Jupyter; pickles and "
                    "compares by value.")
      .def(py::init<>(), "An empty table (no columns, no rows).")
      .def("__len__", &Table::rows, "The number of rows.")
      .def_property_readonly(
          "columns",
          [](const Table& t) {
            py::list names;
            for (const auto& c : t.columns()) names.append(c.name);
            return names;
          },
          "The column names, in order.")
      .def_property_readonly(
          "column_types",
          [](const Table& t) {
            py::dict types;
            for (const auto& c : t.columns()) types[py::str(c.name)] = type_label(c.type);
            return types;
          },
          "Each column's type: int, float, text, bool, time, date or list.")
      .def(
          "_raw",
          [](const Table& t, std::size_t i, std::size_t start, std::optional<std::size_t> stop) {
            if (i >= t.width()) throw py::index_error("column " + std::to_string(i) + " is outside the table");
            const Column& c = t.column(i);
            std::size_t end = std::min(stop.value_or(c.size()), c.size());
            return raw_column(c, Range{std::min(start, end), end});
          },
          py::arg("i"), py::arg("start") = 0, py::arg("stop") = py::none(),
          "Column i as (name, type, values, valid), rows [start, stop) (all by default): numpy arrays "
          "for numbers, times and dates, lists for text. Raises IndexError for a column outside the table.")
      .def(
          "__eq__",
          [](const Table& a, py::object other) -> py::object {
            if (!py::isinstance<Table>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            return py::bool_(same_table(a, other.cast<const Table&>()));
          },
          py::is_operator(), "Equal when both have the same columns (names, types) and cells.")
      .def("__copy__", [](const Table& t) { return Table(t); }, "A copy of the table.")
      .def("__deepcopy__", [](const Table& t, py::handle) { return Table(t); }, py::arg("memo"),
           "A copy of the table.")
      .def(py::pickle(
          [](const Table& t) {
            py::tuple state(t.width());
            for (std::size_t i = 0; i < t.width(); ++i) state[i] = raw_column(t.column(i));
            return state;
          },
          [](const py::tuple& state) { return table_from_state(state); }));
  // Tables are mutable-free snapshots compared by value; like lists, they are not hashable.
  m.attr("Table").attr("__hash__") = py::none();
}

}  // namespace crmkit::bindings
