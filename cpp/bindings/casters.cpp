#include "casters.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

namespace py = pybind11;

namespace crmkit::bindings {

py::handle unset() {
  // Created on first use (module init, while the GIL is held) and never freed: it is the default
  // value of every Keyword argument for the life of the process.
  static PyObject* sentinel = py::module_::import("builtins").attr("object")().release().ptr();
  return sentinel;
}

}  // namespace crmkit::bindings

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

namespace {
// An int that fits in 64 bits (ids never exceed it; a larger one is not an id).
std::optional<std::int64_t> int64_of(py::handle obj) {
  if (!PyLong_Check(obj.ptr()) || PyBool_Check(obj.ptr())) return std::nullopt;
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
  if (overflow) return std::nullopt;
  return v;
}
}  // namespace

std::optional<std::int64_t> id_of(py::handle obj) {
  if (PyBool_Check(obj.ptr())) return std::nullopt;
  if (PyLong_Check(obj.ptr())) return int64_of(obj);
  if (py::hasattr(obj, "id")) return int64_of(py::object(obj.attr("id")));
  return std::nullopt;
}

namespace {
// "name: " + message naming the argument `src` was passed as, when the current call has one.
[[noreturn]] void reject_text(py::handle src, const std::string& message) {
  if (auto name = argument_name(src)) throw ValidationError(*name + ": " + message, *name);
  throw ValidationError(message);
}

// The index of the first code point of `s` that UTF-8 cannot encode (a lone surrogate).
Py_ssize_t first_surrogate(py::handle s) {
  const Py_ssize_t n = PyUnicode_GetLength(s.ptr());
  for (Py_ssize_t i = 0; i < n; ++i) {
    const Py_UCS4 c = PyUnicode_ReadChar(s.ptr(), i);
    if (c >= 0xD800 && c <= 0xDFFF) return i;
  }
  return -1;
}
}  // namespace

std::string utf8(py::handle s) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    reject_text(s, "text is not valid Unicode: it contains a lone surrogate at position " +
                       std::to_string(first_surrogate(s)) + " (a UTF-16 half with no partner)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

bool is_utf8_text(py::handle src) {
  if (PyUnicode_Check(src.ptr())) {
    if (PyUnicode_AsUTF8AndSize(src.ptr(), nullptr)) return true;
    PyErr_Clear();
    return false;
  }
  if (PyBytes_Check(src.ptr())) {
    PyObject* decoded = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(src.ptr()), PyBytes_GET_SIZE(src.ptr()), "strict");
    if (decoded) {
      Py_DECREF(decoded);
      return true;
    }
    PyErr_Clear();
    return false;
  }
  return false;
}

std::optional<std::string> text_argument(py::handle src) {
  if (PyUnicode_Check(src.ptr())) return utf8(src);
  if (!PyBytes_Check(src.ptr())) return std::nullopt;
  if (!is_utf8_text(src)) reject_text(src, "bytes are not valid UTF-8 text");
  return std::string(PyBytes_AS_STRING(src.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(src.ptr())));
}

Value to_value(py::handle obj) {
  if (obj.is_none()) return Value{};
  if (PyBool_Check(obj.ptr())) return Value{obj.cast<bool>()};
  if (PyLong_Check(obj.ptr())) {
    try {
      return Value{obj.cast<std::int64_t>()};
    } catch (const std::exception&) {  // pybind11's cast_error or the caster's ValidationError
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
                              type_name_of(item));
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
  throw ValidationError("cannot store a value of type " + type_name_of(obj));
}

namespace {
// Enough for every binding signature (the longest has fewer than 16 parameters); arguments past
// it are converted as usual but cannot be named.
constexpr std::size_t kMaxNamed = 24;
struct CallArguments {
  std::size_t count = 0;
  PyObject* objects[kMaxNamed];
  PyObject* defaults[kMaxNamed];  // the declared default (null when none)
  const char* names[kMaxNamed];
};
thread_local CallArguments current_call;

}  // namespace

std::string type_name_of(py::handle obj) {
  return py::str(py::type::of(obj).attr("__name__")).cast<std::string>();
}

void note_call_arguments(const py::detail::function_call& call) {
  auto& c = current_call;
  c.count = std::min({call.args.size(), call.func.args.size(), kMaxNamed});
  for (std::size_t i = 0; i < c.count; ++i) {
    c.objects[i] = call.args[i].ptr();
    c.defaults[i] = call.func.args[i].value.ptr();
    c.names[i] = call.func.args[i].name;
  }
}

void forget_call_arguments() { current_call.count = 0; }

std::optional<std::string> argument_name(py::handle src) {
  // None, True and small ints are shared objects, so several arguments may hold `src`. Prefer
  // one the caller wrote (its value is not its declared default: the arguments left out hold
  // their default object itself), then any.
  const auto& c = current_call;
  const char* fallback = nullptr;
  for (std::size_t i = 0; i < c.count; ++i) {
    if (c.objects[i] != src.ptr() || !c.names[i] || std::string_view(c.names[i]) == "self") continue;
    if (c.defaults[i] != src.ptr()) return std::string(c.names[i]);
    if (!fallback) fallback = c.names[i];
  }
  if (fallback) return std::string(fallback);
  return std::nullopt;
}

namespace {
// "<type> <repr>" of a refused object, the repr cut to 60 bytes at a code point boundary (half a
// UTF-8 sequence would make the message itself invalid).
std::string shown_of(py::handle src) {
  std::string shown;
  try {
    shown = py::repr(src).cast<std::string>();
  } catch (const std::exception&) {  // a repr that raises, or one Python cannot encode
    shown = "?";
  }
  if (shown.size() > 60) {
    std::size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
    shown = shown.substr(0, cut) + "...";
  }
  return type_name_of(src) + " " + shown;
}
}  // namespace

void reject_argument(py::handle src, const char* expected) {
  auto name = argument_name(src);
  std::string message = std::string("expected ") + expected + ", not " + shown_of(src);
  if (!name) throw ValidationError(message);
  throw ValidationError(*name + ": " + message, *name);
}

void reject_item(py::handle list, std::size_t index, py::handle item, const std::string& why) {
  auto name = argument_name(list);
  std::string message = "item " + std::to_string(index) + ": " +
                        (why.empty() ? "an item of the wrong type (" + shown_of(item) + ")" : why);
  if (!name) throw ValidationError(message);
  throw ValidationError(*name + ": " + message, *name);
}

Timestamp parse_time_argument(py::handle src, const char* fallback_name) {
  return parse_timestamp(utf8(src), argument_name(src).value_or(fallback_name), TimeZone{});
}

Date parse_date_argument(py::handle src, const char* fallback_name) {
  return parse_date(utf8(src), argument_name(src).value_or(fallback_name));
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

namespace pybind11::detail {

bool type_caster<crmkit::bindings::Flag>::load(handle src, bool convert) {
  if (src.ptr() == Py_True || src.ptr() == Py_False) {
    value.value = src.ptr() == Py_True;
    return true;
  }
  if (!convert) return false;
  const std::string type = crmkit::bindings::detail::type_name_of(src);
  if (type == "bool_" || type == "bool") {  // numpy.bool_ (numpy 2 names it numpy.bool)
    value.value = PyObject_IsTrue(src.ptr()) == 1;
    return true;
  }
  if (PyLong_Check(src.ptr())) {
    const long v = PyLong_AsLong(src.ptr());
    if (v == 0 || v == 1) {
      value.value = v == 1;
      return true;
    }
    PyErr_Clear();
  }
  crmkit::bindings::detail::reject_argument(src, "True or False");
}

// An int, or with convert an object with __index__; a float is refused even with convert, as
// pybind11 does (1.9 must not become 1).
bool load_integer(handle src, bool convert, long long lo, long long hi, int bits, long long& out) {
  if (!src) return false;
  if (!PyFloat_Check(src.ptr()) && (PyLong_Check(src.ptr()) || PyIndex_Check(src.ptr()))) {
    const long long v = PyLong_AsLongLong(src.ptr());
    if (!(v == -1 && PyErr_Occurred()) && v >= lo && v <= hi) {
      out = v;
      return true;
    }
    PyErr_Clear();
    if (!convert) return false;
    const std::string expected = "an integer that fits in " + std::to_string(bits) + " bits";
    crmkit::bindings::detail::reject_argument(src, expected.c_str());
  }
  if (!convert) return false;
  crmkit::bindings::detail::reject_argument(src, "an integer");
}

bool type_caster<double>::load(handle src, bool convert) {
  if (!src) return false;
  const bool number = PyFloat_Check(src.ptr()) || PyLong_Check(src.ptr());
  if (!number && !convert) return false;
  if (number || PyNumber_Check(src.ptr())) {  // with convert: numpy floats, Decimal, Fraction
    const double v = PyFloat_AsDouble(src.ptr());
    if (!(v == -1.0 && PyErr_Occurred())) {
      value = v;
      return true;
    }
    PyErr_Clear();
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "a number that fits in a float");
  }
  crmkit::bindings::detail::reject_argument(src, "a number");
}

bool type_caster<crmkit::bindings::Integer>::load(handle src, bool convert) {
  // bool is an int to Python, but limit=True is a mistake, not 1.
  if (src && PyBool_Check(src.ptr())) {
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "an integer");
  }
  long long v = 0;
  if (!load_integer(src, convert, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 64,
                    v))
    return false;
  value.value = v;
  return true;
}

}  // namespace pybind11::detail
