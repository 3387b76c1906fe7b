// The _crmkit extension module: one init_* per domain, errors first so every later binding can
// raise them.
#include "common.hpp"

namespace crmkit::bindings {
void init_events(py::module_& m);  // bind_events.cpp
void init_ops(py::module_& m);     // bind_ops.cpp
void init_log(py::module_& m);     // bind_log.cpp
void init_io(py::module_& m);      // bind_io.cpp
void init_search(py::module_& m);  // bind_search.cpp
void init_imports(py::module_& m); // bind_imports.cpp
}  // namespace crmkit::bindings

PYBIND11_MODULE(_crmkit, m) {
  m.doc() = "crmkit's C++ engine. Use the crmkit package, which re-exports everything here.";
  using namespace crmkit::bindings;
  init_errors(m);
  init_log(m);
  init_table(m);
  init_org(m);
  init_schema(m);
  init_customers(m);
  init_segments(m);
  init_relationship(m);
  init_pipeline(m);
  init_workflow(m);
  init_reports(m);
  init_crm(m);
  init_events(m);
  init_ops(m);
  init_io(m);
  init_search(m);
  init_imports(m);  // adds crm.imports and customers.duplicates / merge to the classes above
}
