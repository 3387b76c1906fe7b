// What every bind_*.cpp shares: the init_* entry points, the GIL/log call guards, the record
// declaration helper, and the conversions of arguments and row dicts. Binding code only adapts
// signatures; rules (paging limits included) live in the core.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "casters.hpp"
#include "crmkit/context.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/value.hpp"

namespace crmkit::bindings {

namespace py = pybind11;

// Delivers log records queued while the GIL was released to Python's logging, once it is held
// again (a sink that took the GIL itself could deadlock against a thread waiting for the engine).
// It also ends the call's record of argument names (see casters.hpp), however the call ends.
struct LogDrain {
  LogDrain() = default;
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

void install_log_forwarder();

// ---- arguments ----

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

// ---- records ----

// The name under which record classes list their attributes for to_dict()/__repr__ (Python side).
void set_record_fields(py::handle cls, const std::vector<const char*>& names);

// A record class whose attributes are declared once: each field() both defines the read-only
// attribute and lists it for to_dict()/repr/equality (python/crmkit/_records.py), in order.
template <typename T>
class Record {
 public:
  Record(py::handle scope, const char* name, const char* doc) : cls_(scope, name, doc) {}

  // A data member.
  template <typename D>
  Record& field(const char* name, D T::*member) {
    cls_.def_readonly(name, member);
    return listed(name);
  }
  // A data member of a member struct (a view's record, a fit's parameters).
  template <typename M, typename D>
  Record& field(const char* name, M T::*outer, D M::*inner) {
    cls_.def_property_readonly(name, [outer, inner](const T& self) -> const D& { return (self.*outer).*inner; });
    return listed(name);
  }
  // A computed attribute (a callable taking const T&).
  template <typename F>
  Record& computed(const char* name, F&& getter) {
    cls_.def_property_readonly(name, std::forward<F>(getter));
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
    return *this;
  }
  template <typename M, typename D>
  Record& extra_member(const char* name, M T::*outer, D M::*inner) {
    cls_.def_property_readonly(name, [outer, inner](const T& self) -> const D& { return (self.*outer).*inner; });
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
