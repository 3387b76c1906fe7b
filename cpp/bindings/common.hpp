// What every bind_*.cpp shares: the init_* entry points, the GIL/log call guard, and conversion
// helpers for kwargs. Binding code only adapts signatures; rules live in the core.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <string>

#include "casters.hpp"
#include "crmkit/context.hpp"
#include "crmkit/value.hpp"

namespace crmkit::bindings {

namespace py = pybind11;

// Delivers log records queued while the GIL was released to Python's logging, once it is held
// again (a sink that took the GIL itself could deadlock against a thread waiting for the engine).
struct LogDrain {
  LogDrain() = default;
  ~LogDrain();
};

// Every engine call: release the GIL for its duration, then forward its log records.
using Release = py::call_guard<LogDrain, py::gil_scoped_release>;
// For calls that convert Python arguments first and release the GIL themselves.
using Drain = py::call_guard<LogDrain>;

void install_log_forwarder();

// One value converted by the Value caster; a conversion error names `field` (and `row`).
Value to_field_value(py::handle value, const std::string& field, std::optional<std::int64_t> row = std::nullopt);
// kwargs → name/Value map, each value converted with to_field_value.
std::map<std::string, Value> to_value_map(const py::dict& d, std::optional<std::int64_t> row = std::nullopt);

// The name under which record classes list their attributes for to_dict()/__repr__ (Python side).
void set_record_fields(py::handle cls, std::initializer_list<const char*> names);

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
