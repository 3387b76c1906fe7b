// The exception tree: crmkit.Error and its subclasses, created base-first, with NotFound also a
// KeyError and ValidationError also a ValueError. The translator maps each C++ class one-to-one.

#include "common.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"

namespace crmkit::bindings {
namespace {

struct ErrorClasses {
  py::object base, not_found, validation, permission, conflict, rule_syntax, workflow, storage;
};
ErrorClasses* classes = nullptr;  // created once per process with the module; never freed

py::object make_class(py::module_& m, const char* name, py::tuple bases, const char* doc, py::dict extra = {}) {
  py::dict ns;
  ns["__module__"] = "crmkit";
  ns["__doc__"] = doc;
  for (auto item : extra) ns[item.first] = item.second;
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(name, bases, ns);
  m.attr(name) = cls;
  return cls;
}

void raise(const py::object& cls, const char* message, const py::dict& attrs = {}) {
  py::object inst = cls(message);
  for (auto item : attrs) inst.attr(item.first) = item.second;
  PyErr_SetObject(cls.ptr(), inst.ptr());
}

}  // namespace

void init_errors(py::module_& m) {
  classes = new ErrorClasses;
  auto& c = *classes;
  py::object exc = py::reinterpret_borrow<py::object>(PyExc_Exception);
  // KeyError quotes its message in str(); a person reading a NotFound wants the plain sentence.
  py::dict plain_str;
  plain_str["__str__"] = exc.attr("__str__");
  c.base = make_class(m, "Error", py::make_tuple(exc), "Base class of every crmkit error.");
  c.not_found = make_class(m, "NotFound", py::make_tuple(c.base, py::reinterpret_borrow<py::object>(PyExc_KeyError)),
                           "An id, login or name that does not exist.", plain_str);
  py::dict field_attrs;
  field_attrs["field"] = py::none();
  field_attrs["row"] = py::none();
  c.validation = make_class(m, "ValidationError",
                            py::make_tuple(c.base, py::reinterpret_borrow<py::object>(PyExc_ValueError)),
                            "Input that breaks a rule; .field names the field, .row the batch row.", field_attrs);
  c.permission = make_class(m, "PermissionDenied", py::make_tuple(c.base),
                            "The acting user may not read or change this.");
  c.conflict = make_class(m, "Conflict", py::make_tuple(c.base),
                          "A stale version, a duplicate key, or a lost race.");
  py::dict pos_attrs;
  pos_attrs["position"] = py::none();
  pos_attrs["line"] = py::none();
  pos_attrs["column"] = py::none();
  c.rule_syntax = make_class(m, "RuleSyntaxError", py::make_tuple(c.base),
                             "A rule that does not parse or type-check; .position, .line, .column.", pos_attrs);
  c.workflow = make_class(m, "WorkflowError", py::make_tuple(c.base),
                          "An invalid workflow definition or an illegal approval transition.");
  c.storage = make_class(m, "StorageError", py::make_tuple(c.base),
                         "The database cannot be used (not SQLite, newer schema, I/O, busy).");

  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    auto& k = *classes;
    try {
      std::rethrow_exception(p);
    } catch (const ValidationError& e) {
      py::dict attrs;
      attrs["field"] = e.field().empty() ? py::object(py::none()) : py::object(py::str(e.field()));
      attrs["row"] = e.row() ? py::object(py::int_(*e.row())) : py::object(py::none());
      raise(k.validation, e.what(), attrs);
    } catch (const RuleSyntaxError& e) {
      py::dict attrs;
      attrs["position"] = py::int_(e.position());
      attrs["line"] = py::int_(e.line());
      attrs["column"] = py::int_(e.column());
      raise(k.rule_syntax, e.what(), attrs);
    } catch (const NotFound& e) {
      raise(k.not_found, e.what());
    } catch (const PermissionDenied& e) {
      raise(k.permission, e.what());
    } catch (const Conflict& e) {
      raise(k.conflict, e.what());
    } catch (const WorkflowError& e) {
      raise(k.workflow, e.what());
    } catch (const StorageError& e) {
      raise(k.storage, e.what());
    } catch (const Error& e) {
      raise(k.base, e.what());
    } catch (const std::bad_alloc&) {
      throw;  // pybind11 turns it into MemoryError
    } catch (const py::error_already_set&) {
      throw;
    } catch (const py::builtin_exception&) {
      throw;
    } catch (const std::exception& e) {
      raise(k.base, (std::string("internal error: ") + e.what()).c_str());
    }
  });

  // _crmkit._test raises each error so that a test can check the mapping.
  auto t = m.def_submodule("_test", "Test hooks: raise each engine error from C++.");
  t.def("raise_error", [](const std::string& kind, const std::string& message) {
    if (kind == "Error") throw Error(message);
    if (kind == "NotFound") throw NotFound(message);
    if (kind == "ValidationError") throw ValidationError(message, "field_x", 7);
    if (kind == "PermissionDenied") throw PermissionDenied(message);
    if (kind == "Conflict") throw Conflict(message);
    if (kind == "RuleSyntaxError") throw RuleSyntaxError(message, 3, 1, 4);
    if (kind == "WorkflowError") throw WorkflowError(message);
    if (kind == "StorageError") throw StorageError(message);
    if (kind == "SQLite") {
      // A failure inside the storage engine: the db layer translates it (the bindings know no
      // storage engine's exception types).
      db::Database scratch(":memory:");
      scratch.exec(message);
    }
    throw std::runtime_error("unknown error kind " + kind);
  });
}

}  // namespace crmkit::bindings
