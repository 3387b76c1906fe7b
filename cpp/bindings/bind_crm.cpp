// crmkit.open(), the Crm facade, its clock, transactions and logging.
#include "common.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/log.hpp"

namespace crmkit::bindings {
namespace {

// `crm.clock`: a handle that keeps the engine alive.
struct ClockView {
  Context ctx;
};

// `with crm.transaction():` — nested calls join it; an exception rolls all of it back.
struct TransactionScope {
  Context ctx;
  std::unique_lock<std::recursive_mutex> lock;
  bool active = false;

  void enter() {
    auto& db = ctx.db();
    {
      py::gil_scoped_release release;  // another thread may hold the connection and want the GIL
      lock = std::unique_lock<std::recursive_mutex>(db.mutex());
    }
    try {
      db.begin(true);
    } catch (...) {
      lock.unlock();
      throw;
    }
    active = true;
  }

  void exit(bool failed) {
    if (!active) return;
    active = false;
    auto& db = ctx.db();
    py::gil_scoped_release release;
    if (failed) {
      db.rollback();
      lock.unlock();
      return;
    }
    try {
      db.commit();
    } catch (...) {
      db.rollback();
      lock.unlock();
      throw;
    }
    lock.unlock();
  }
};

}  // namespace

void init_crm(py::module_& m) {
  install_log_forwarder();
  m.def("set_log_level", [](py::object level) {
        if (py::isinstance<py::int_>(level)) {
          // logging's numeric levels
          int n = level.cast<int>();
          log::set_level(n <= 5 ? "trace" : n <= 10 ? "debug" : n <= 20 ? "info" : n <= 30 ? "warning"
                         : n <= 40 ? "error" : "critical");
        } else {
          log::set_level(level.cast<std::string>());
        }
      }, py::arg("level"),
        "Sets the engine's log level (trace, debug, info, warning, error, critical, off). Records also "
        "reach logging.getLogger('crmkit').");
  m.def("log_level", &log::level, "The engine's current log level.");

  py::class_<ClockView>(m, "Clock", "crm.clock: the engine's notion of now; freeze and advance it in tests.")
      .def("now", [](ClockView& c) { return Timestamp{c.ctx.now()}; })
      .def("freeze", [](ClockView& c, const TimeArg& at) { c.ctx.live().clock.freeze(at.resolve("at").ms); },
           py::arg("at"))
      .def(
          "advance",
          [](ClockView& c, double days, double hours, double minutes, double seconds) {
            double ms = ((days * 24 + hours) * 60 + minutes) * 60000.0 + seconds * 1000.0;
            c.ctx.live().clock.advance(static_cast<std::int64_t>(ms));
          },
          py::arg("days") = 0.0, py::arg("hours") = 0.0, py::arg("minutes") = 0.0, py::arg("seconds") = 0.0)
      .def("unfreeze", [](ClockView& c) { c.ctx.live().clock.unfreeze(); })
      .def_property_readonly("frozen", [](ClockView& c) { return c.ctx.live().clock.frozen(); });

  py::class_<TransactionScope>(m, "Transaction", "A transaction scope: use `with crm.transaction():`.")
      .def("__enter__", [](TransactionScope& t) -> TransactionScope& {
        t.enter();
        return t;
      }, py::return_value_policy::reference_internal)
      .def("__exit__", [](TransactionScope& t, py::object exc_type, py::object, py::object) {
        t.exit(!exc_type.is_none());
        return false;
      }, Drain());

  py::class_<Crm>(m, "Crm", "One opened CRM database: the system view, or a view scoped to a user.")
      .def(
          "as_user",
          [](const Crm& c, py::object user) {
            if (py::isinstance<py::str>(user)) {
              auto login = user.cast<std::string>();
              py::gil_scoped_release release;
              return c.as_user(c.users().by_login(login).id);
            }
            auto id = user.cast<Ref>().id;
            py::gil_scoped_release release;
            return c.as_user(id);
          },
          py::arg("user"), Drain(),
          "The same CRM seen and changed as `user` (a User, an id or a login): scoped reads, checked writes.")
      .def_property_readonly("teams", &Crm::teams)
      .def_property_readonly("users", &Crm::users)
      .def_property_readonly("roles", &Crm::roles)
      .def_property_readonly("fields", &Crm::fields)
      .def_property_readonly("lifecycle", &Crm::lifecycle)
      .def_property_readonly("pipeline", &Crm::pipeline)
      .def_property_readonly("customers", &Crm::customers)
      .def_property_readonly("contacts", &Crm::contacts)
      .def_property_readonly("leads", &Crm::leads)
      .def_property_readonly("opportunities", &Crm::opportunities)
      .def_property_readonly("documents", &Crm::documents)
      .def_property_readonly("workflows", &Crm::workflows)
      .def_property_readonly("approvals", [](const Crm& c) { return make_approvals(c.context()); })
      .def_property_readonly("audit", &Crm::audit)
      .def_property_readonly("segments", &Crm::segments)
      .def_property_readonly("groups", &Crm::groups)
      .def_property_readonly("autotags", &Crm::autotags)
      .def_property_readonly("autostages", &Crm::autostages)
      .def_property_readonly("rfm", &Crm::rfm)
      .def_property_readonly("clv", &Crm::clv)
      .def_property_readonly("interactions", &Crm::interactions)
      .def_property_readonly("tasks", &Crm::tasks)
      .def_property_readonly("revisits", &Crm::revisits)
      .def_property_readonly("tickets", &Crm::tickets)
      .def_property_readonly("orders", &Crm::orders)
      .def_property_readonly("pool", &Crm::pool)
      .def_property_readonly("facts", &Crm::facts)
      .def_property_readonly("reports", &Crm::reports)
      .def_property_readonly("clock", [](const Crm& c) { return ClockView{c.context()}; })
      .def("history", [](const Crm& c, const std::string& entity, Ref id) { return c.history(entity, id.id); },
           py::arg("entity"), py::arg("id"), Release())
      .def("transaction", [](const Crm& c) { return TransactionScope{c.context(), {}, false}; })
      .def_property_readonly("path", [](const Crm& c) { return c.database().path(); })
      .def_property_readonly("schema_version", [](const Crm& c) {
        db::Transaction tx(c.database(), false);
        return c.database().schema_version();
      })
      .def_property_readonly("user", [](const Crm& c) -> std::optional<org::User> {
        if (c.principal().is_system()) return std::nullopt;
        py::gil_scoped_release release;
        return c.users().get(*c.principal().user_id);
      })
      .def_property_readonly("closed", &Crm::closed)
      .def("close", &Crm::close, Release())
      .def("__enter__", [](Crm& c) -> Crm& { return c; }, py::return_value_policy::reference_internal)
      .def("__exit__", [](Crm& c, py::object, py::object, py::object) {
        c.close();
        return false;
      });

  m.def(
      "open",
      [](py::object path_like, const std::string& synchronous, double busy_timeout) {
        auto path = py::module_::import("os").attr("fspath")(path_like).cast<std::string>();
        if (synchronous != "normal" && synchronous != "full")
          throw ValidationError("synchronous must be 'normal' or 'full'", "synchronous");
        db::OpenOptions opts;
        opts.synchronous_full = synchronous == "full";
        opts.busy_timeout_ms = static_cast<int>(busy_timeout * 1000);
        py::gil_scoped_release release;
        return Crm::open(path, opts);
      },
      py::arg("path") = ":memory:", py::arg("synchronous") = "normal", py::arg("busy_timeout") = 10.0, Drain(),
      "Opens (creating and migrating) a CRM database; ':memory:' for a throwaway one.");
  m.attr("SCHEMA_VERSION") = db::Database::latest_schema_version();
}

}  // namespace crmkit::bindings
