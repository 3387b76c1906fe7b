#include "casters.hpp"

namespace py = pybind11;

namespace crmkit::bindings::detail {

namespace {
// Imported once; the interpreter keeps the module alive for the process lifetime.
struct DatetimeApi {
  py::object datetime, date, timedelta, utc, epoch, epoch_date;
};
DatetimeApi& api() {
  static DatetimeApi* a = [] {
    auto m = py::module_::import("datetime");
    auto* x = new DatetimeApi;  // intentionally leaked: outlives every call, never finalised twice
    x->datetime = m.attr("datetime");
    x->date = m.attr("date");
    x->timedelta = m.attr("timedelta");
    x->utc = m.attr("timezone").attr("utc");
    x->epoch = x->datetime(1970, 1, 1, py::arg("tzinfo") = x->utc);
    x->epoch_date = x->date(1970, 1, 1);
    return x;
  }();
  return *a;
}
}  // namespace

py::object py_datetime_module() { return py::module_::import("datetime"); }

bool is_datetime(py::handle obj) { return py::isinstance(obj, api().datetime); }
bool is_date(py::handle obj) { return py::isinstance(obj, api().date) && !is_datetime(obj); }

std::int64_t datetime_to_ms(py::handle obj) {
  auto& a = api();
  py::object delta;
  if (is_datetime(obj)) {
    py::object dt = py::reinterpret_borrow<py::object>(obj);
    if (dt.attr("tzinfo").is_none()) dt = dt.attr("replace")(py::arg("tzinfo") = a.utc);  // naive means UTC
    delta = dt - a.epoch;
  } else {
    delta = py::reinterpret_borrow<py::object>(obj) - a.epoch_date;
  }
  auto days = delta.attr("days").cast<std::int64_t>();
  auto seconds = delta.attr("seconds").cast<std::int64_t>();
  auto micros = delta.attr("microseconds").cast<std::int64_t>();
  return days * kMillisPerDay + seconds * 1000 + micros / 1000;
}

py::object ms_to_datetime(std::int64_t ms) {
  auto& a = api();
  return a.epoch + a.timedelta(py::arg("milliseconds") = ms);
}

py::object ms_to_date(std::int64_t ms) {
  auto& a = api();
  std::int64_t days = floor_to_day(ms) / kMillisPerDay;
  return a.epoch_date + a.timedelta(py::arg("days") = days);
}

std::optional<std::int64_t> id_of(py::handle obj) {
  if (PyBool_Check(obj.ptr())) return std::nullopt;
  if (PyLong_Check(obj.ptr())) return obj.cast<std::int64_t>();
  if (py::hasattr(obj, "id")) {
    py::object id = obj.attr("id");
    if (PyLong_Check(id.ptr()) && !PyBool_Check(id.ptr())) return id.cast<std::int64_t>();
  }
  return std::nullopt;
}

std::string utf8(py::handle s) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    throw ValidationError("text is not valid Unicode (it contains a lone surrogate)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

Value to_value(py::handle obj) {
  if (obj.is_none()) return Value{};
  if (PyBool_Check(obj.ptr())) return Value{obj.cast<bool>()};
  if (PyLong_Check(obj.ptr())) {
    try {
      return Value{obj.cast<std::int64_t>()};
    } catch (const py::cast_error&) {
      throw ValidationError("integer " + py::str(obj).cast<std::string>() + " does not fit in 64 bits");
    }
  }
  if (PyFloat_Check(obj.ptr())) return Value{obj.cast<double>()};
  if (PyUnicode_Check(obj.ptr())) return Value{utf8(obj)};
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) || py::isinstance<py::set>(obj)) {
    std::vector<std::string> items;
    for (auto item : obj) {
      if (!PyUnicode_Check(item.ptr()))
        throw ValidationError("a list value may hold only text, not " +
                              py::str(py::type::of(item).attr("__name__")).cast<std::string>());
      items.push_back(utf8(item));
    }
    return Value{items};
  }
  if (is_datetime(obj)) return Value{Timestamp{datetime_to_ms(obj)}};
  if (is_date(obj)) return Value{Date{datetime_to_ms(obj)}};
  if (auto id = id_of(obj)) return Value{*id};
  // Numeric types such as Decimal and numpy scalars.
  if (py::hasattr(obj, "__float__") && !py::hasattr(obj, "__len__")) {
    if (py::hasattr(obj, "__index__")) return Value{obj.attr("__index__")().cast<std::int64_t>()};
    return Value{obj.attr("__float__")().cast<double>()};
  }
  throw ValidationError("cannot store a value of type " + py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

py::object from_value(const Value& v) {
  switch (v.v.index()) {
    case 0: return py::none();
    case 1: return py::bool_(v.as<bool>());
    case 2: return py::int_(v.as<std::int64_t>());
    case 3: return py::float_(v.as<double>());
    case 4: return py::str(v.as<std::string>());
    case 5: return py::cast(v.as<std::vector<std::string>>());
    case 6: return ms_to_date(v.as<Date>().ms);
    default: return ms_to_datetime(v.as<Timestamp>().ms);
  }
}

}  // namespace crmkit::bindings::detail
