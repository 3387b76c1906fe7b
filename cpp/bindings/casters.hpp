// Type conversions between Python and the core's value types, shared by every bind_*.cpp.
//
// - Timestamp <-> timezone-aware UTC datetime (a naive datetime means UTC; a date means its
//   midnight UTC). ISO text is accepted through TimeArg, parsed by the core with the field name.
// - Date <-> datetime.date
// - Value <-> None / bool / int / float / str / list[str] / date / datetime; an object with an
//   integer `.id` (a User, a Customer) converts to its id.
// - Ref: an id, or any record with `.id` (API: "any parameter that takes an entity also takes its id");
//   the stubs type it `int | _HasId` (a protocol with an int `id`), so both idioms type-check.
// - Keyword<Hint>: a named keyword of add()/update() whose absence differs from None (update:
//   None clears a value); the core checks the value, the hint only names its Python type.
// - Integer: an int (or an object with __index__, such as a numpy integer), never a bool.
//
// A value of the wrong type for one of these is a crmkit.ValidationError naming the argument
// ("customer: expected an id or a record with .id, not str 'x'"), not pybind11's TypeError: the
// Release/Drain call guards record the call's argument names before the arguments are converted
// (see common.hpp), and the casters look the rejected object up among them.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <string>

#include "crmkit/error.hpp"
#include "crmkit/time.hpp"
#include "crmkit/value.hpp"

namespace crmkit::bindings {

struct Ref {
  std::int64_t id = 0;
};

// An integer argument (a limit, an offset, a count) that rejects other types by name.
struct Integer {
  std::int64_t value = 0;
};

// A True/False argument that rejects other types by name (pybind11's bool caster is a fixed
// specialisation, so a flag of another type would escape as its TypeError). Also takes a
// numpy.bool_ and the integers 0 and 1 (what a database or JSON row gives for a flag).
struct Flag {
  bool value = false;
  operator bool() const { return value; }  // NOLINT: used where a bool is meant
};

// An iterable argument (the rows of a batch call, a list of ids) that rejects other types by name.
struct Iterable {
  pybind11::iterable items;
};

// A time as the caller gave it: an instant (a datetime; naive means UTC), a calendar date, or
// text still to be parsed. Dates and text without an offset are local to the database's time
// zone, which only the service knows: `resolve` takes it (`s.zone()` of the bound service).
struct TimeArg {
  std::optional<Timestamp> instant;
  std::optional<Date> date;  // a datetime.date
  std::string text;
  bool is_date = false;  // a datetime.date or a bare YYYY-MM-DD text
  Timestamp resolve(const std::string& field, const TimeZone& zone) const {
    if (instant) return *instant;
    if (date) return Timestamp{zone.start_of(*date)};
    return parse_timestamp(text, field, zone);
  }
};

// The Python types the stubs show for Keyword arguments (the engine checks the values).
namespace hint {
using pybind11::detail::const_name;
struct Text { static constexpr auto name = const_name("str"); };
struct OptText { static constexpr auto name = const_name("str | None"); };
struct OptEntity { static constexpr auto name = const_name("int | _HasId | None"); };
struct Entity { static constexpr auto name = const_name("int | _HasId"); };
struct Number { static constexpr auto name = const_name("float"); };
struct OptNumber { static constexpr auto name = const_name("float | None"); };
struct Bool { static constexpr auto name = const_name("bool"); };
struct OptDate { static constexpr auto name = const_name("datetime.date | str | None"); };
struct Tags { static constexpr auto name = const_name("list[str] | str | None"); };
struct Fields { static constexpr auto name = const_name("dict[str, typing.Any] | None"); };
}  // namespace hint

// The default of every Keyword argument: "not given" (one object, compared by identity).
pybind11::handle unset();

struct KeywordValue {
  pybind11::object value;
  bool given() const { return value && !value.is(unset()); }
};
template <typename Hint>
struct Keyword : KeywordValue {};
using TextKw = Keyword<hint::Text>;
using OptTextKw = Keyword<hint::OptText>;
using EntityKw = Keyword<hint::Entity>;
using OptEntityKw = Keyword<hint::OptEntity>;
using NumberKw = Keyword<hint::Number>;
using OptNumberKw = Keyword<hint::OptNumber>;
using BoolKw = Keyword<hint::Bool>;
using OptDateKw = Keyword<hint::OptDate>;
using TagsKw = Keyword<hint::Tags>;
using FieldsKw = Keyword<hint::Fields>;

namespace detail {
pybind11::object py_datetime_module();
std::int64_t datetime_to_ms(pybind11::handle obj);  // datetime or date
bool is_datetime(pybind11::handle obj);
bool is_date(pybind11::handle obj);             // a date that is not a datetime
pybind11::object ms_to_datetime(std::int64_t ms);
pybind11::object ms_to_date(std::int64_t ms);
std::optional<std::int64_t> id_of(pybind11::handle obj);
// UTF-8 of a str; ValidationError for text Python can hold but UTF-8 cannot (lone surrogates),
// naming the argument when `s` is one of the current call's.
std::string utf8(pybind11::handle s);
// The text of a str or UTF-8 bytes argument, for the std::string caster: nullopt when `src` is
// neither; ValidationError naming the argument for a lone surrogate or bytes that are not UTF-8.
std::optional<std::string> text_argument(pybind11::handle src);
// Whether a str or bytes object converts to UTF-8 (false for a lone surrogate or invalid bytes).
bool is_utf8_text(pybind11::handle src);
Value to_value(pybind11::handle obj);
pybind11::object from_value(const Value& v);

// The argument objects and names of the binding call whose arguments are being converted.
// Recorded per thread by the call guards' pre-call hook; only identities are compared, never
// dereferenced, so a record left from an earlier call can at worst fail to name an argument.
void note_call_arguments(const pybind11::detail::function_call& call);
void forget_call_arguments();
// The Python type name of `obj` (for messages).
std::string type_name_of(pybind11::handle obj);
// The name of the argument `src` was passed as, when the current call recorded one.
std::optional<std::string> argument_name(pybind11::handle src);
// Throws ValidationError naming the argument: "<name>: expected <expected>, not <type> <repr>".
[[noreturn]] void reject_argument(pybind11::handle src, const char* expected);
// Throws ValidationError for item `index` of the list argument `list`: "<name>: item <index>:
// <why>" (why: the item caster's refusal, or "an item of the wrong type (<type> <repr>)").
[[noreturn]] void reject_item(pybind11::handle list, std::size_t index, pybind11::handle item, const std::string& why);
// parse_timestamp/parse_date of a text argument, the error naming the argument. A Timestamp
// argument knows no database, so its text is read as UTC: bindings that take times from users
// take a TimeArg, which is resolved in the service's time zone.
Timestamp parse_time_argument(pybind11::handle src, const char* fallback_name);
Date parse_date_argument(pybind11::handle src, const char* fallback_name);
}  // namespace detail

}  // namespace crmkit::bindings

namespace pybind11::detail {

template <>
struct type_caster<crmkit::Timestamp> {
  PYBIND11_TYPE_CASTER(crmkit::Timestamp, const_name("datetime.datetime"));
  bool load(handle src, bool convert) {
    if (crmkit::bindings::detail::is_datetime(src) || crmkit::bindings::detail::is_date(src)) {
      value.ms = crmkit::bindings::detail::datetime_to_ms(src);
      return true;
    }
    if (PyUnicode_Check(src.ptr())) {
      value = crmkit::bindings::detail::parse_time_argument(src, "time");
      return true;
    }
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "a datetime, a date or an ISO-8601 text");
  }
  static handle cast(crmkit::Timestamp t, return_value_policy, handle) {
    return crmkit::bindings::detail::ms_to_datetime(t.ms).release();
  }
};

template <>
struct type_caster<crmkit::Date> {
  PYBIND11_TYPE_CASTER(crmkit::Date, const_name("datetime.date"));
  bool load(handle src, bool convert) {
    if (crmkit::bindings::detail::is_date(src)) {
      value.ms = crmkit::bindings::detail::datetime_to_ms(src);
      return true;
    }
    if (PyUnicode_Check(src.ptr())) {
      value = crmkit::bindings::detail::parse_date_argument(src, "date");
      return true;
    }
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "a date or a YYYY-MM-DD text");
  }
  static handle cast(crmkit::Date d, return_value_policy, handle) {
    return crmkit::bindings::detail::ms_to_date(d.ms).release();
  }
};

template <>
struct type_caster<crmkit::bindings::TimeArg> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::TimeArg, const_name("datetime.datetime | datetime.date | str"));
  bool load(handle src, bool convert) {
    if (crmkit::bindings::detail::is_datetime(src)) {
      value.instant = crmkit::Timestamp{crmkit::bindings::detail::datetime_to_ms(src)};
      return true;
    }
    if (crmkit::bindings::detail::is_date(src)) {
      value.date = crmkit::Date{crmkit::bindings::detail::datetime_to_ms(src)};
      value.is_date = true;
      return true;
    }
    if (PyUnicode_Check(src.ptr())) {
      value.text = crmkit::bindings::detail::utf8(src);
      value.is_date = crmkit::is_date_text(value.text);
      return true;
    }
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "a datetime, a date or an ISO-8601 text");
  }
  static handle cast(const crmkit::bindings::TimeArg&, return_value_policy, handle) { return none().release(); }
};

// Every std::string argument (and std::optional/vector of them, and .cast<std::string>()): text
// that cannot be UTF-8, and an object that is not text at all (None, a number, a list), is a
// ValidationError naming the argument, where pybind11's own caster would fail the overload
// (TypeError "incompatible function arguments") or the cast (RuntimeError "Unable to cast").
// bytearray still goes to pybind11's caster. The first, non-converting overload pass only
// declines, so another overload can still take the object.
template <>
struct type_caster<std::string> : string_caster<std::string> {
  bool load(handle src, bool convert) {
    if (!src || !(PyUnicode_Check(src.ptr()) || PyBytes_Check(src.ptr()))) {
      if (string_caster<std::string>::load(src, convert)) return true;
      if (!convert || !src) return false;
      crmkit::bindings::detail::reject_argument(src, "text");
    }
    if (!convert && !crmkit::bindings::detail::is_utf8_text(src)) return false;
    auto text = crmkit::bindings::detail::text_argument(src);
    if (!text) return false;
    value = std::move(*text);
    return true;
  }
};

template <>
struct type_caster<crmkit::Value> {
  PYBIND11_TYPE_CASTER(crmkit::Value, const_name("object"));
  bool load(handle src, bool) {
    value = crmkit::bindings::detail::to_value(src);
    return true;
  }
  static handle cast(const crmkit::Value& v, return_value_policy, handle) {
    return crmkit::bindings::detail::from_value(v).release();
  }
};

template <>
struct type_caster<crmkit::bindings::Ref> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::Ref, io_name("int | _HasId", "int"));
  bool load(handle src, bool convert) {
    auto id = crmkit::bindings::detail::id_of(src);
    if (!id) {
      if (!convert) return false;
      crmkit::bindings::detail::reject_argument(src, "an id or a record with .id");
    }
    value.id = *id;
    return true;
  }
  static handle cast(const crmkit::bindings::Ref& r, return_value_policy, handle) {
    return PyLong_FromLongLong(r.id);
  }
};

template <typename Hint>
struct type_caster<crmkit::bindings::Keyword<Hint>> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::Keyword<Hint>, Hint::name);
  bool load(handle src, bool) {
    value.value = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const crmkit::bindings::Keyword<Hint>& k, return_value_policy, handle) {
    return k.value.inc_ref();
  }
};

template <>
struct type_caster<crmkit::bindings::Iterable> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::Iterable, const_name("collections.abc.Iterable"));
  bool load(handle src, bool convert) {
    if (isinstance<iterable>(src)) {
      value.items = reinterpret_borrow<iterable>(src);
      return true;
    }
    if (!convert) return false;
    crmkit::bindings::detail::reject_argument(src, "an iterable");
  }
  static handle cast(const crmkit::bindings::Iterable& i, return_value_policy, handle) {
    return i.items.inc_ref();
  }
};

template <>
struct type_caster<crmkit::bindings::Integer> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::Integer, const_name("int"));
  bool load(handle src, bool convert);
  static handle cast(const crmkit::bindings::Integer& i, return_value_policy, handle) {
    return PyLong_FromLongLong(i.value);
  }
};

template <>
struct type_caster<crmkit::bindings::Flag> {
  PYBIND11_TYPE_CASTER(crmkit::bindings::Flag, const_name("bool"));
  bool load(handle src, bool convert);
  static handle cast(const crmkit::bindings::Flag& f, return_value_policy, handle) {
    return handle(f.value ? Py_True : Py_False).inc_ref();
  }
};

// Numbers: pybind11's own casters for these, but an object that is not a number (or an integer
// that does not fit) is a ValidationError naming the argument instead of the overload's
// TypeError. As pybind11's: a float is never truncated to an integer; objects with __index__
// are integers and objects with __float__ numbers; the stubs keep pybind11's type names.
// An integer of Python within [lo, hi] into `out`; otherwise false on the non-converting pass
// and a ValidationError naming the argument (and the width, `bits`) on the converting one.
bool load_integer(handle src, bool convert, long long lo, long long hi, int bits, long long& out);

template <typename T>
struct bounded_integer_caster {
  PYBIND11_TYPE_CASTER(T, io_name("typing.SupportsInt | typing.SupportsIndex", "int"));
  bool load(handle src, bool convert) {
    long long v = 0;
    if (!load_integer(src, convert, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                      std::numeric_limits<T>::digits + 1, v))
      return false;
    value = static_cast<T>(v);
    return true;
  }
  static handle cast(T v, return_value_policy, handle) { return PyLong_FromLongLong(v); }
};

template <>
struct type_caster<long> : bounded_integer_caster<long> {};
template <>
struct type_caster<int> : bounded_integer_caster<int> {};

template <>
struct type_caster<double> {
  PYBIND11_TYPE_CASTER(double, io_name("typing.SupportsFloat | typing.SupportsIndex", "float"));
  bool load(handle src, bool convert);
  static handle cast(double v, return_value_policy, handle) { return PyFloat_FromDouble(v); }
};

// A list argument (std::vector): text or another non-sequence is a ValidationError naming the
// argument; an item of the wrong type is one naming the argument and the item's position.
template <typename T>
struct type_caster<std::vector<T, std::allocator<T>>> : list_caster<std::vector<T, std::allocator<T>>, T> {
  bool load(handle src, bool convert) {
    using Base = list_caster<std::vector<T, std::allocator<T>>, T>;
    if (!convert) {
      try {
        return Base::load(src, false);
      } catch (const crmkit::ValidationError&) {
        return false;  // the converting pass names the item
      }
    }
    if (!src || !isinstance<sequence>(src) || isinstance<str>(src) || isinstance<bytes>(src)) {
      if (!src) return false;
      crmkit::bindings::detail::reject_argument(src, "a list");
    }
    auto seq = reinterpret_borrow<sequence>(src);
    this->value.clear();
    this->value.reserve(seq.size());
    std::size_t i = 0;
    for (const auto& item : seq) {
      make_caster<T> conv;
      bool ok = false;
      std::string why;
      try {
        ok = conv.load(item, convert);
      } catch (const crmkit::ValidationError& e) {
        why = e.what();
      }
      if (!ok) crmkit::bindings::detail::reject_item(src, i, item, why);
      this->value.push_back(cast_op<T&&>(std::move(conv)));
      ++i;
    }
    return true;
  }
};

// A dict argument: another object is a ValidationError naming the argument.
template <>
struct type_caster<dict> : pyobject_caster<dict> {
  bool load(handle src, bool convert) {
    if (pyobject_caster<dict>::load(src, convert)) return true;
    if (!convert || !src) return false;
    crmkit::bindings::detail::reject_argument(src, "a dict");
  }
};

}  // namespace pybind11::detail
