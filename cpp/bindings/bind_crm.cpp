// crmkit.open(), the Crm facade, its clock, transactions and logging.
#include "common.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/log.hpp"

#include <pybind11/typing.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace crmkit::bindings {
namespace {

// A time zone argument: None (keep the stored one) or an IANA name; anything else is a
// ValidationError naming the argument.
std::optional<std::string> zone_name(py::handle value) {
  if (value.is_none()) return std::nullopt;
  if (!PyUnicode_Check(value.ptr()))
    throw ValidationError("timezone: expected an IANA time zone name such as 'Asia/Shanghai', not " +
                              detail::type_name_of(value),
                          "timezone");
  return detail::utf8(value);
}

// `crm.clock`: a handle that keeps the engine alive.
struct ClockView {
  Context ctx;
};

// A transaction whose scope was dropped on a thread other than the one that entered it (a
// generator closed elsewhere): only the entering thread may end it, so it waits here until that
// thread's next binding call (reap_orphaned_transactions, run by every call guard).
struct Orphan {
  std::thread::id owner;
  Context ctx;  // keeps the database alive; declared first so that the transaction ends before it
  std::unique_ptr<db::Transaction> tx;
};
std::mutex orphans_mutex;
std::vector<Orphan> orphans;
std::atomic<bool> have_orphans{false};

// `with crm.transaction():` — owns one heap-allocated db::Transaction from __enter__ to __exit__.
// Nested scopes join the outer one as savepoints (db::Transaction nests); an exception rolls the
// scope back, a clean exit commits it. The db::Transaction holds the connection's mutex, which
// belongs to the thread that entered: every misuse that would unlock it from elsewhere or end
// scopes out of order is refused with a crmkit error and leaves the transaction as it was.
class TransactionScope {
 public:
  explicit TransactionScope(py::object crm) : crm_(std::move(crm)) {}
  TransactionScope(const TransactionScope&) = delete;

  ~TransactionScope() {
    if (!tx_) return;
    if (std::this_thread::get_id() == owner_) {
      // Dropped without __exit__ (a generator abandoned mid-block): undo it. ROLLBACK waits for
      // no lock, so holding the GIL here (deallocation runs with it) cannot stall other threads.
      tx_.reset();
    } else {
      // Only the entering thread may release the connection's mutex (unlocking it here would be
      // undefined behaviour): that thread rolls it back at its next call.
      std::lock_guard<std::mutex> lock(orphans_mutex);
      orphans.push_back(Orphan{owner_, ctx_, std::move(tx_)});
      have_orphans.store(true, std::memory_order_release);
    }
  }

  void enter() {
    if (tx_) throw Error("this crm.transaction() is already in progress; nested blocks need their own crm.transaction()");
    const Crm& crm = crm_.cast<const Crm&>();
    if (crm.closed()) throw StorageError("the CRM is closed");
    ctx_ = crm.context();
    db::Database& db = ctx_.db();
    {
      // Waiting for the mutex (another thread's transaction) or for another process's write
      // lock (busy_timeout) must not hold the GIL.
      py::gil_scoped_release release;
      tx_ = std::make_unique<db::Transaction>(db, true);
      depth_ = db.depth();
    }
    owner_ = std::this_thread::get_id();
  }

  void exit(bool failed) {
    if (!tx_) throw Error("crm.transaction() exited without being entered");
    if (std::this_thread::get_id() != owner_)
      throw Error("a crm.transaction() must end on the thread that began it");
    db::Database& db = ctx_.db();
    if (db.depth() != depth_)
      throw Error("nested crm.transaction() blocks must end in the reverse order they began");
    const bool closed = crm_.cast<const Crm&>().closed();
    py::gil_scoped_release release;
    // Declared inside the released scope, so that whatever way this ends (a failed COMMIT
    // included), the transaction is finished before the GIL is taken back.
    std::unique_ptr<db::Transaction> tx = std::move(tx_);
    if (failed || closed) {
      tx.reset();  // rolls back this scope (the savepoint, or all of it when outermost)
      if (closed && !failed) throw StorageError("the CRM was closed inside crm.transaction(); its changes were rolled back");
      return;
    }
    tx->commit();  // a failed COMMIT leaves it open: the destructor then rolls it back
  }

 private:
  py::object crm_;  // the Python Crm: closing it ends what a scope may do
  Context ctx_;     // keeps the engine alive while a transaction is open
  std::unique_ptr<db::Transaction> tx_;
  std::thread::id owner_;
  int depth_ = 0;
};

}  // namespace

void reap_orphaned_transactions() {
  if (!have_orphans.load(std::memory_order_acquire)) return;
  std::vector<Orphan> mine;
  {
    std::lock_guard<std::mutex> lock(orphans_mutex);
    auto here = std::this_thread::get_id();
    for (auto it = orphans.begin(); it != orphans.end();) {
      if (it->owner == here) {
        mine.push_back(std::move(*it));
        it = orphans.erase(it);
      } else {
        ++it;
      }
    }
    have_orphans.store(!orphans.empty(), std::memory_order_release);
  }
  // Innermost first (they were entered in order), each rolled back on the thread that owns it.
  while (!mine.empty()) {
    log::logger().warn("rolling back a crm.transaction() abandoned on another thread");
    mine.pop_back();
  }
}

void init_crm(py::module_& m) {
  py::class_<ClockView>(m, "Clock", "crm.clock: the engine's notion of now; freeze and advance it in tests.")
      .def("now", [](ClockView& c) { return Timestamp{c.ctx.now()}; },
          "Returns the engine's current instant (a timezone-aware UTC datetime): the frozen time, or the system "
          "clock. Raises StorageError once the CRM is closed.")
      .def("freeze", [](ClockView& c, const TimeArg& at) { c.ctx.live().clock.freeze(at.resolve("at", c.ctx.zone()).ms); },
           py::arg("at"), Drain(),
          "Stops the clock at `at` (a datetime, a date or ISO text); every write then carries that instant. "
          "Returns None. Raises ValidationError for unreadable text, StorageError once the CRM is closed.")
      .def(
          "advance",
          [](ClockView& c, double days, double hours, double minutes, double seconds) {
            double ms = ((days * 24 + hours) * 60 + minutes) * 60000.0 + seconds * 1000.0;
            c.ctx.live().clock.advance(static_cast<std::int64_t>(ms));
          },
          py::arg("days") = 0.0, py::arg("hours") = 0.0, py::arg("minutes") = 0.0, py::arg("seconds") = 0.0,
          "Moves a frozen clock forward (or a running one, by offsetting it) by the given days, hours, minutes "
          "and seconds. Returns None. Raises StorageError once the CRM is closed.")
      .def("unfreeze", [](ClockView& c) { c.ctx.live().clock.unfreeze(); },
          "Lets the clock run again from the system time. Returns None. Raises StorageError once the CRM is "
          "closed.")
      .def_property_readonly("frozen", [](ClockView& c) { return c.ctx.live().clock.frozen(); });

  py::class_<TransactionScope>(m, "Transaction", "A transaction scope: use `with crm.transaction():`.")
      .def(
          "__enter__",
          [](TransactionScope& t) -> TransactionScope& {
            t.enter();
            return t;
          },
          py::return_value_policy::reference_internal, Drain())
      .def(
          "__exit__",
          [](TransactionScope& t, py::object exc_type, py::object, py::object) {
            t.exit(!exc_type.is_none());
            return false;
          },
          Drain());

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
          "The same CRM seen and changed as `user` (a User, an id or a login): reads are scoped and writes "
          "checked by that user's role. Returns a new Crm view sharing this one's connection. Raises NotFound "
          "for an unknown user, StorageError once the CRM is closed.")
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
      .def("history", [](const Crm& c, const std::string& entity, Ref record) { return c.history(entity, record.id); },
           py::arg("entity"), py::arg("id"), Release(),
          "Who changed what and when on one record: `entity` is 'customer', 'contact', 'opportunity', 'lead', "
          "'user' or another audited entity, `id` its id or the record. Returns a Table (at, by, field, old, "
          "new), oldest first. Raises ValidationError for an unknown entity, NotFound for a record outside the "
          "view's scope.")
      .def(
          "transaction", [](py::object self) { return std::make_unique<TransactionScope>(std::move(self)); },
          "A scope: `with crm.transaction():` commits on a clean exit and rolls back on an exception; nested "
          "blocks are savepoints. Returns a Transaction context manager. Raises (on entering) StorageError once "
          "the CRM is closed, Error when the scope is misused (entered twice, ended on another thread).")
      .def_property_readonly("path", [](const Crm& c) { return c.database().path(); })
      .def_property_readonly(
          "schema_version",
          [](const Crm& c) {
            // A property cannot take a call guard: release by hand (the read waits for the mutex).
            py::gil_scoped_release release;
            db::Transaction tx(c.database(), false);
            return c.database().schema_version();
          })
      .def_property_readonly("user", [](const Crm& c) -> std::optional<org::User> {
        if (c.principal().is_system()) return std::nullopt;
        py::gil_scoped_release release;
        return c.users().get(*c.principal().user_id);
      })
      .def_property(
          "timezone",
          [](const Crm& c) {
            py::gil_scoped_release release;
            return c.timezone();
          },
          [](const Crm& c, py::object value) {
            auto name = zone_name(value);
            if (!name) throw ValidationError("timezone: expected an IANA time zone name, not None", "timezone");
            py::gil_scoped_release release;  // the change waits for the write lock
            c.set_timezone(*name);
          },
          "The database's time zone, an IANA name ('UTC', 'Asia/Shanghai'): the calendar of report periods, "
          "due dates, the pool's daily quota, date text without an offset and dates in rules. Assigning changes it "
          "for the database (recorded in history; all-day tasks keep their dates); raises PermissionDenied unless "
          "the view is the system view or an admin, ValidationError for an unknown name.")
      .def_property_readonly("closed", &Crm::closed)
      .def("close", &Crm::close, Release(),
          "Closes this view; the connection closes (with a WAL checkpoint) when the last view of it closes. "
          "Returns None. Raises nothing when already closed.")
      .def("__enter__", [](Crm& c) -> Crm& { return c; }, py::return_value_policy::reference_internal)
      .def(
          "__exit__",
          [](Crm& c, py::object, py::object, py::object) {
            py::gil_scoped_release release;  // the last view closes the connection (a WAL checkpoint)
            c.close();
            return false;
          },
          Drain());

  m.def(
      "open",
      [](py::object path_like, const std::string& synchronous, double busy_timeout,
         py::typing::Optional<py::str> timezone_arg) {  // typed for the stubs; checked by zone_name
        auto timezone = zone_name(timezone_arg);
        auto path = py::module_::import("os").attr("fspath")(path_like).cast<std::string>();
        if (synchronous != "normal" && synchronous != "full")
          throw ValidationError("synchronous must be 'normal' or 'full'", "synchronous");
        db::OpenOptions opts;
        opts.synchronous_full = synchronous == "full";
        // Checked before the conversion to milliseconds: NaN, an infinity or a value beyond int
        // would make that conversion undefined.
        if (!(busy_timeout >= 0 && busy_timeout <= 86400))
          throw ValidationError("busy_timeout must be between 0 and 86400 seconds, not " + std::to_string(busy_timeout),
                                "busy_timeout");
        opts.busy_timeout_ms = static_cast<int>(busy_timeout * 1000);
        py::gil_scoped_release release;
        return Crm::open(path, opts, timezone);
      },
      py::arg("path") = ":memory:", py::arg("synchronous") = "normal", py::arg("busy_timeout") = 10.0,
      py::arg("timezone") = py::none(), Drain(),
      "Opens (creating and migrating) a CRM database; ':memory:' for a throwaway one. Returns the system view "
      "(a Crm). `synchronous` is 'normal' or 'full' (fsync every commit); `busy_timeout` is how many seconds to "
      "wait for another process's write lock; `timezone` (an IANA name such as 'Asia/Shanghai') is the database's calendar: stored by the first "
      "open that names one; None uses the stored zone (UTC if none). Raises ValidationError for an unknown zone, "
      "Conflict when it differs from the stored zone (change that with crm.timezone = ...), StorageError for a "
      "file that is not a crmkit database.");
  m.def(
      "_busy_retries",
      []() {
        auto s = db::busy_stats();
        py::dict out;
        out["waits"] = s.waits;
        out["retries"] = s.retries;
        out["waited_ms"] = s.waited_ms;
        return out;
      },
      "Diagnostics: how often this process's connections found the database locked by another process's "
      "writer since the process started (a dict of int): `waits` lock encounters, `retries` attempts after "
      "a sleep, `waited_ms` the time slept. Waits within the busy timeout never reach the caller. Raises "
      "nothing.");
  m.attr("SCHEMA_VERSION") = db::Database::latest_schema_version();
}

}  // namespace crmkit::bindings
