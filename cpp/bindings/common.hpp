// What every bind_*.cpp shares: the init_* entry points, the GIL/log call guards, the record
// declaration helper, and the conversions of arguments and row dicts. Binding code only adapts
// signatures; rules (paging limits included) live in the core.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <map>
#include <memory>
#include <type_traits>
#include <string>
#include <vector>

#include "casters.hpp"
#include "crmkit/context.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/value.hpp"

namespace crmkit::bindings {

namespace py = pybind11;

// Brings the engine's log level in line with logging.getLogger("crmkit") before the call, and
// after it delivers the log records queued while the GIL was released to Python's logging (a
// sink that took the GIL itself could deadlock against a thread waiting for the engine); see
// bind_log.cpp. It also ends the call's record of argument names (see casters.hpp), however the
// call ends.
struct LogDrain {
  LogDrain();
  ~LogDrain();
};

// Every engine call: release the GIL for its duration, then forward its log records.
using Release = py::call_guard<LogDrain, py::gil_scoped_release>;
// For calls that convert Python arguments first and release the GIL themselves.
using Drain = py::call_guard<LogDrain>;

// Ends, on this thread, the transactions of crm.transaction() scopes that were dropped on another
// thread (defined with the Crm bindings).
void reap_orphaned_transactions();

// Before pybind11 converts the arguments, both guards record the call's argument names (so that
// a caster rejecting a value can name the argument, see casters.hpp) and end this thread's
// abandoned transactions (so that the call does not run inside one).
inline void before_call(pybind11::detail::function_call& call) {
  reap_orphaned_transactions();
  detail::note_call_arguments(call);
}

}  // namespace crmkit::bindings

namespace pybind11::detail {
template <>
struct process_attribute<crmkit::bindings::Release> : process_attribute_default<crmkit::bindings::Release> {
  static void precall(function_call& call) { crmkit::bindings::before_call(call); }
};
template <>
struct process_attribute<crmkit::bindings::Drain> : process_attribute_default<crmkit::bindings::Drain> {
  static void precall(function_call& call) { crmkit::bindings::before_call(call); }
};
}  // namespace pybind11::detail

namespace crmkit::bindings {

// ---- arguments ----

inline std::optional<bool> opt_flag(const std::optional<Flag>& f) {
  return f ? std::optional<bool>(f->value) : std::nullopt;
}
inline std::optional<std::int64_t> opt_id(const std::optional<Ref>& r) {
  return r ? std::optional<std::int64_t>(r->id) : std::nullopt;
}
inline std::optional<Timestamp> opt_time(const std::optional<TimeArg>& t, const std::string& field,
                                         const TimeZone& zone) {
  return t ? std::optional<Timestamp>(t->resolve(field, zone)) : std::nullopt;
}
inline std::optional<std::int64_t> opt_ms(const std::optional<TimeArg>& t, const std::string& field,
                                          const TimeZone& zone) {
  return t ? std::optional<std::int64_t>(t->resolve(field, zone).ms) : std::nullopt;
}

// A limit as Python spells it (None: every row) in the core's spelling (paging::kNoLimit). The
// core validates limits, but -1 is its "no limit": a -1 written in Python is a negative limit,
// so it is rejected here with the core's own rule and message before it could mean "all".
std::int64_t limit_arg(const std::optional<Integer>& limit);

// ---- values and row dicts ----

// One value converted by the Value caster; a conversion error names `field` (and `row`).
Value to_field_value(py::handle value, const std::string& field, std::optional<std::int64_t> row = std::nullopt);
// kwargs → name/Value map, each value converted with to_field_value.
std::map<std::string, Value> to_value_map(const py::dict& d, std::optional<std::int64_t> row = std::nullopt);

// "row 3: " in a batch call, "" otherwise: the prefix of every message about a row.
std::string row_prefix(std::optional<std::int64_t> row);
// Row `r` of a batch call as a dict (ValidationError otherwise).
py::dict row_dict(py::handle row, std::int64_t r);
// A key of a row dict; absent and None are the same.
std::optional<py::object> item(const py::dict& row, const char* key);
// A row's key converted to T; the wrong type is a ValidationError naming the key and the row.
template <typename T>
T cast_field(const py::dict& row, const char* key, std::int64_t r) {
  try {
    return row[key].cast<T>();
  } catch (const py::cast_error&) {
    throw ValidationError(row_prefix(r) + key + " has the wrong type", key, r);
  } catch (const ValidationError&) {  // a crmkit caster's refusal, which cannot know the row
    throw ValidationError(row_prefix(r) + key + " has the wrong type", key, r);
  }
}
// The key converted when present, nullopt when absent or None.
template <typename T>
std::optional<T> opt_field(const py::dict& row, const char* key, std::int64_t r) {
  return item(row, key) ? std::optional<T>(cast_field<T>(row, key, r)) : std::nullopt;
}
// A key holding an id or a record.
std::optional<Ref> ref_field(const py::dict& row, const char* key, std::int64_t r);
// A key that must hold an id or a record.
Ref required_ref_field(const py::dict& row, const char* key, std::int64_t r);

// kwargs (or a row dict) → an input struct with `attrs` and `fields` (custom field values):
// "fields" must be a dict; other keys become attributes, except those `special` takes (it returns
// true when it consumed the key).
template <typename Input>
Input split_input(const py::dict& kw, std::optional<std::int64_t> row = std::nullopt,
                  const std::function<bool(const std::string&, py::handle, Input&)>& special = {}) {
  Input in;
  for (auto item : kw) {
    std::string key = detail::utf8(py::str(item.first));
    if (key == "fields") {
      if (item.second.is_none()) continue;
      if (!py::isinstance<py::dict>(item.second))
        throw ValidationError(row_prefix(row) + "fields must be a dict", "fields", row);
      in.fields = to_value_map(item.second.cast<py::dict>(), row);
    } else if (!(special && special(key, item.second, in))) {
      in.attrs[key] = to_field_value(item.second, key, row);
    }
  }
  return in;
}

// The named keywords of an add()/update() call that were given (not left at their default),
// together with the call's other keywords (`extra`), as one dict for split_input: a keyword the
// signature does not name still reaches the core, which rejects it by name ("unknown customer
// attribute 'x'"), as a crmkit.ValidationError rather than pybind11's TypeError.
py::dict keywords(std::initializer_list<std::pair<const char*, const KeywordValue*>> named, const py::kwargs& extra);

// A Keyword argument's declaration: its default is "not given", shown as `...` in signatures.
inline py::arg_v kw(const char* name) { return py::arg_v(name, py::reinterpret_borrow<py::object>(unset()), "..."); }

// ---- records ----

// The name under which record classes list their attributes for to_dict()/__repr__ (Python side).
void set_record_fields(py::handle cls, const std::vector<const char*>& names);

// A record's state for pickling and equality: one getter and one setter per stored member, in
// declaration order. Records are plain structs, so their state is exactly their members; the
// members a computed attribute derives from are kept with keep() (state only, no attribute).
template <typename T>
struct RecordState {
  std::vector<std::function<py::object(const T&)>> get;
  std::vector<std::function<void(T&, py::handle)>> set;
  std::string name;
};

// Installs __getstate__/__setstate__ (pickle; copy falls back on them too), __copy__ and
// __deepcopy__ (a C++ copy: a record that holds its view, an approval request, keeps it).
// A record that cannot exist without a live view (not default-constructible) refuses to pickle.
template <typename T>
void install_record_state(py::class_<T>& cls, std::shared_ptr<RecordState<T>> state) {
  cls.def("__copy__", [](const T& t) { return T(t); }, "A copy of this record (records are immutable snapshots).");
  cls.def("__deepcopy__", [](const T& t, py::handle) { return T(t); }, py::arg("memo"),
          "A copy of this record (records are immutable snapshots).");
  auto values_of = [state](const T& t) {
    py::tuple out(state->get.size());
    for (std::size_t i = 0; i < state->get.size(); ++i) out[i] = state->get[i](t);
    return out;
  };
  if constexpr (std::is_default_constructible_v<T>) {
    cls.def(py::pickle(
        values_of,
        [state](const py::tuple& values) {
          if (values.size() != state->set.size())
            throw ValidationError("cannot unpickle a " + state->name + ": " + std::to_string(values.size()) +
                                  " values for " + std::to_string(state->set.size()) +
                                  " (pickled by another crmkit version?)");
          T t{};
          for (std::size_t i = 0; i < state->set.size(); ++i) state->set[i](t, values[i]);
          return t;
        }));
  } else {
    cls.def("__getstate__", values_of, "The record's values as a tuple (for ==).");
    cls.def(
        "__reduce_ex__",
        [state](const T&, py::handle) -> py::object {
          throw Error("a " + state->name + " is a live handle on an open CRM and cannot be pickled; pickle its "
                      "to_dict() instead");
        },
        py::arg("protocol"), "Refuses: this record is a live handle on an open CRM.");
  }
}

// A record class whose attributes are declared once: each field() both defines the read-only
// attribute and lists it for to_dict()/repr/equality (python/crmkit/_records.py), in order.
template <typename T>
class Record {
 public:
  Record(py::handle scope, const char* name, const char* doc)
      : cls_(scope, name, doc), state_(std::make_shared<RecordState<T>>()) {
    state_->name = name;
    install_record_state(cls_, state_);
  }

  // A data member.
  template <typename D>
  Record& field(const char* name, D T::*member) {
    cls_.def_readonly(name, member);
    keep(name, member);
    return listed(name);
  }
  // A data member of a member struct (a view's record, a fit's parameters).
  template <typename M, typename D>
  Record& field(const char* name, M T::*outer, D M::*inner) {
    cls_.def_property_readonly(name, [outer, inner](const T& self) -> const D& { return (self.*outer).*inner; });
    keep(name, outer, inner);
    return listed(name);
  }
  // A computed attribute (a callable taking const T&), derived from members kept otherwise.
  template <typename F>
  Record& computed(const char* name, F&& getter) {
    cls_.def_property_readonly(name, std::forward<F>(getter));
    return listed(name);
  }
  // A computed attribute that is itself the state of hidden members: `setter(T&, py::handle)`
  // restores them from the attribute's value.
  template <typename F, typename S>
  Record& computed(const char* name, F&& getter, S&& setter) {
    auto get = std::function<py::object(const T&)>([getter](const T& t) -> py::object {
      auto value = getter(t);
      if constexpr (std::is_base_of_v<py::handle, decltype(value)>)
        return py::reinterpret_borrow<py::object>(value);
      else
        return py::cast(std::move(value));
    });
    cls_.def_property_readonly(name, std::forward<F>(getter));
    state_->get.push_back(std::move(get));
    state_->set.emplace_back(std::forward<S>(setter));
    return listed(name);
  }
  // An attribute left out of to_dict() (an alias or a convenience view of listed fields).
  template <typename F>
  Record& extra(const char* name, F&& getter) {
    cls_.def_property_readonly(name, std::forward<F>(getter));
    return *this;
  }
  template <typename D>
  Record& extra_member(const char* name, D T::*member) {
    cls_.def_readonly(name, member);
    keep(name, member);
    return *this;
  }
  template <typename M, typename D>
  Record& extra_member(const char* name, M T::*outer, D M::*inner) {
    cls_.def_property_readonly(name, [outer, inner](const T& self) -> const D& { return (self.*outer).*inner; });
    return *this;
  }
  // A member kept in the record's state (pickle, ==) without an attribute of its own.
  template <typename D>
  Record& keep(const char*, D T::*member) {
    state_->get.push_back([member](const T& t) { return py::cast(t.*member); });
    state_->set.push_back([member](T& t, py::handle v) { t.*member = v.cast<D>(); });
    return *this;
  }
  template <typename M, typename D>
  Record& keep(const char*, M T::*outer, D M::*inner) {
    state_->get.push_back([outer, inner](const T& t) { return py::cast((t.*outer).*inner); });
    state_->set.push_back([outer, inner](T& t, py::handle v) { (t.*outer).*inner = v.cast<D>(); });
    return *this;
  }
  // Methods and anything else: the class itself.
  py::class_<T>& cls() { return cls_; }

 private:
  Record& listed(const char* name) {
    names_.push_back(name);
    set_record_fields(cls_, names_);
    return *this;
  }
  py::class_<T> cls_;
  std::shared_ptr<RecordState<T>> state_;
  std::vector<const char*> names_;
};

// crm.approvals for a view (defined with the workflow bindings).
py::object make_approvals(const Context& ctx);

void init_errors(py::module_& m);
void init_table(py::module_& m);
void init_org(py::module_& m);
void init_schema(py::module_& m);
void init_customers(py::module_& m);
void init_segments(py::module_& m);
void init_relationship(py::module_& m);
void init_pipeline(py::module_& m);
void init_workflow(py::module_& m);
void init_reports(py::module_& m);
void init_crm(py::module_& m);

}  // namespace crmkit::bindings
