// crmkit.Table: whole columns cross to Python at once. Ints, floats, times and dates arrive as
// numpy arrays with a validity mask; text and lists as Python lists. The row-wise sugar (rows(),
// iteration, to_pandas()) is added by python/crmkit/table.py.
#include <deque>
#include <mutex>

#include <pybind11/numpy.h>

#include "common.hpp"
#include "crmkit/log.hpp"
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

py::object column_values(const Column& c) {
  switch (c.type) {
    case ColumnType::Float: return to_array(c.floats);
    case ColumnType::Text: {
      py::list out(c.size());
      for (std::size_t i = 0; i < c.size(); ++i)
        out[i] = c.valid[i] ? py::object(py::str(c.texts[i])) : py::object(py::none());
      return out;
    }
    case ColumnType::TextList: {
      py::list out(c.size());
      for (std::size_t i = 0; i < c.size(); ++i) out[i] = py::cast(c.lists[i]);
      return out;
    }
    default: return to_array(c.ints);
  }
}

// Log records wait here until the GIL is held again.
std::mutex pending_mutex;
std::deque<std::pair<std::string, std::string>> pending;
constexpr std::size_t kMaxPending = 10000;

int python_level(const std::string& level) {
  if (level == "trace") return 5;
  if (level == "debug") return 10;
  if (level == "info") return 20;
  if (level == "warning" || level == "warn") return 30;
  if (level == "error") return 40;
  return 50;
}

}  // namespace

LogDrain::~LogDrain() {
  std::deque<std::pair<std::string, std::string>> records;
  {
    std::lock_guard<std::mutex> lock(pending_mutex);
    if (pending.empty()) return;
    records.swap(pending);
  }
  try {
    py::object logger = py::module_::import("logging").attr("getLogger")("crmkit");
    for (const auto& [level, message] : records) logger.attr("log")(python_level(level), message);
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("crmkit log forwarding");
  }
}

void install_log_forwarder() {
  log::set_forwarder([](const std::string& level, const std::string& message) {
    std::lock_guard<std::mutex> lock(pending_mutex);
    if (pending.size() < kMaxPending) pending.emplace_back(level, message);
  });
}

std::map<std::string, Value> to_value_map(const py::dict& d) {
  std::map<std::string, Value> out;
  for (auto item : d) out[py::str(item.first).cast<std::string>()] = detail::to_value(item.second);
  return out;
}

void set_record_fields(py::handle cls, std::initializer_list<const char*> names) {
  py::tuple t(names.size());
  std::size_t i = 0;
  for (const char* n : names) t[i++] = py::str(n);
  cls.attr("_fields") = t;
}

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
