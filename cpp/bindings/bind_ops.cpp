// crm.backup() and crm.check(): the operations a team runs from cron (crmkit/ops/ops.hpp).
#include "common.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/ops/ops.hpp"

namespace crmkit::bindings {

void init_ops(py::module_& m) {
  using namespace crmkit::ops;
  Record<BackupResult>(m, "BackupResult", "The result of crm.backup(): the copy's path, pages, bytes, schema version.")
      .field("path", &BackupResult::path)
      .field("pages", &BackupResult::pages)
      .field("bytes", &BackupResult::bytes)
      .field("schema_version", &BackupResult::schema_version);
  Record<Problem>(m, "CheckProblem", "One problem crm.check() found: the check that found it and a message.")
      .field("check", &Problem::check)
      .field("message", &Problem::message);
  Record<CheckResult> res(m, "CheckResult",
                          "The result of crm.check(): ok, problems (CheckProblem records), the checks that ran and "
                          "what they saw.");
  res.field("ok", &CheckResult::ok)
      .field("problems", &CheckResult::problems)
      .field("checks", &CheckResult::checks)
      .field("schema_version", &CheckResult::schema_version)
      .field("customers", &CheckResult::customers)
      .field("ledger_entries", &CheckResult::ledger_entries)
      .field("events", &CheckResult::events);
  res.cls().def("__bool__", [](const CheckResult& r) { return r.ok; });

  // The facade's class is bound by init_crm; operations add their methods to it.
  auto crm = py::reinterpret_borrow<py::class_<Crm>>(m.attr("Crm"));
  crm.def(
         "backup",
         [](const Crm& c, py::object path_like) {
           auto path = py::module_::import("os").attr("fspath")(path_like);
           if (!py::isinstance<py::str>(path)) throw ValidationError("path: expected a file name", "path");
           auto target = path.cast<std::string>();
           py::gil_scoped_release release;
           return ops::Operations(c.context()).backup(target);
         },
         py::arg("path"), Drain(),
         "Copies every committed transaction into the new file `path` with SQLite's online backup API (other "
         "processes may keep writing) and verifies the copy; returns a BackupResult. Raises ValidationError "
         "(field 'path') when the file exists or its directory does not, StorageError inside a transaction or "
         "when the copy does not verify, PermissionDenied without the admin role.")
      .def(
          "check", [](const Crm& c) { return ops::Operations(c.context()).check(); }, Release(),
          "Checks the database without changing it: SQLite integrity and foreign keys, derived facts against a "
          "rebuild, the approval ledger's hash chain, the change feed's continuity and the schema version. "
          "Returns a CheckResult (.ok, .problems). Raises PermissionDenied without the admin role.");
}

}  // namespace crmkit::bindings
