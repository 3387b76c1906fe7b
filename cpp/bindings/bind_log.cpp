// The bridge between the engine's spdlog logger and Python's logging.getLogger("crmkit").
//
// - Python's logger decides the level: every engine call (the LogDrain guard) starts by reading
//   the logger's effective level (a setLevel on "crmkit", on a parent or on the root, and
//   logging.disable, all count) and sets spdlog's to match, so records below it are never even
//   formatted. crmkit.set_log_level() is a shortcut for setting the Python logger's level.
// - Records made while the GIL is released wait in a queue with the moment they were made and
//   are handed to logging once the call returns (python/crmkit/_log.py builds the LogRecords, so
//   `created` is when the record happened, not when it was delivered).
// - The queue holds kDefaultCapacity records; records arriving while it is full are counted, and
//   the next delivery ends with a warning saying how many were dropped.
#include <cctype>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"

namespace crmkit::bindings {
namespace {

constexpr std::size_t kDefaultCapacity = 10000;
constexpr int kPythonOff = 60;  // above logging.CRITICAL: what set_log_level("off") sets

struct Pending {
  std::int64_t time_ns;
  int levelno;
  std::string message;
};

std::mutex queue_mutex;
std::vector<Pending> queue;
std::size_t capacity = kDefaultCapacity;
std::size_t dropped = 0;
std::int64_t first_dropped_ns = 0, last_dropped_ns = 0;

// References held for the life of the process and deliberately never released: they are used
// from call guards that may run late in interpreter shutdown, after module teardown began.
PyObject* effective_level = nullptr;  // the bound method logging.getLogger("crmkit").getEffectiveLevel
PyObject* logging_manager = nullptr;  // logging.Logger.manager (its `disable` is logging.disable's level)
PyObject* deliver = nullptr;          // crmkit._log.deliver, imported at the first delivery

int python_level(const std::string& level) {
  if (level == "trace") return 5;
  if (level == "debug") return 10;
  if (level == "info") return 20;
  if (level == "warning" || level == "warn") return 30;
  if (level == "error") return 40;
  if (level == "critical") return 50;
  return kPythonOff;
}

spdlog::level::level_enum spdlog_level(long python) {
  using L = spdlog::level::level_enum;
  if (python <= 5) return L::trace;
  if (python <= 10) return L::debug;
  if (python <= 20) return L::info;
  if (python <= 30) return L::warn;
  if (python <= 40) return L::err;
  if (python <= 50) return L::critical;
  return L::off;
}

long read_long(PyObject* owned) {
  if (owned == nullptr) return -1;
  long v = PyLong_AsLong(owned);
  Py_DECREF(owned);
  return v;
}

// Sets spdlog's level from the Python logger's effective level. Needs the GIL.
void sync_level() {
  if (effective_level == nullptr) return;
  long level = read_long(PyObject_CallNoArgs(effective_level));
  long disabled = read_long(PyObject_GetAttrString(logging_manager, "disable"));
  if (PyErr_Occurred()) {  // a logging module in a state we cannot read: leave the level alone
    PyErr_Clear();
    return;
  }
  if (disabled >= level) level = disabled + 1;  // logging.disable(n) silences n and below
  const auto wanted = spdlog_level(level);
  if (log::logger().level() != wanted) log::logger().set_level(wanted);
}

// The forwarder runs inside the log call itself (spdlog's sinks are synchronous), so the time
// taken here is the moment the record was made.
void queue_record(const std::string& level, const std::string& message) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  std::lock_guard<std::mutex> lock(queue_mutex);
  if (queue.size() < capacity) {
    queue.push_back(Pending{ns, python_level(level), message});
    return;
  }
  if (dropped++ == 0) first_dropped_ns = ns;
  last_dropped_ns = ns;
}

}  // namespace

LogDrain::LogDrain() { sync_level(); }

LogDrain::~LogDrain() {
  detail::forget_call_arguments();
  std::vector<Pending> records;
  std::size_t lost = 0;
  std::int64_t lost_from = 0, lost_to = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (queue.empty() && dropped == 0) return;
    records.swap(queue);
    std::swap(lost, dropped);
    lost_from = first_dropped_ns;
    lost_to = last_dropped_ns;
  }
  try {
    if (deliver == nullptr) deliver = py::object(py::module_::import("crmkit._log").attr("deliver")).release().ptr();
    py::list items(records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
      items[i] = py::make_tuple(records[i].levelno, py::str(records[i].message), records[i].time_ns);
    py::handle fn(deliver);
    fn(items, lost, lost_from, lost_to, capacity);
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("crmkit log forwarding");
  }
}

void init_log(py::module_& m) {
  py::object logging = py::module_::import("logging");
  py::object logger = logging.attr("getLogger")("crmkit");
  effective_level = py::object(logger.attr("getEffectiveLevel")).release().ptr();
  logging_manager = py::object(logging.attr("Logger").attr("manager")).release().ptr();
  log::set_forwarder(queue_record);
  sync_level();

  m.def(
      "set_log_level",
      [](py::object level) {
        int python = 0;
        if (py::isinstance<py::bool_>(level) || !(py::isinstance<py::int_>(level) || py::isinstance<py::str>(level)))
          throw ValidationError("level: expected a level name or a logging level number", "level");
        if (py::isinstance<py::int_>(level)) {
          python = level.cast<int>();
        } else {
          std::string name = detail::utf8(level);
          log::set_level(name);  // refuses an unknown name with a ValidationError naming `level`
          for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          python = python_level(name);
        }
        py::module_::import("logging").attr("getLogger")("crmkit").attr("setLevel")(python);
        sync_level();
      },
      py::arg("level"),
      "Sets the level of logging.getLogger('crmkit') (trace, debug, info, warning, error, critical, off, or a "
      "logging level number), which is what the engine follows: the same as logger.setLevel(). Returns None; "
      "raises ValidationError (field 'level') for an unknown name.");
  m.def(
      "log_level",
      []() {
        sync_level();
        return log::level();
      },
      "Returns the engine's current log level name (trace ... critical, off), as set by the effective level "
      "of logging.getLogger('crmkit'). Raises nothing.");
  m.def(
      "_set_log_queue_capacity",
      [](std::size_t n) {
        if (n == 0) throw ValidationError("capacity must be at least 1", "capacity");
        std::lock_guard<std::mutex> lock(queue_mutex);
        std::size_t previous = capacity;
        capacity = n;
        return previous;
      },
      py::arg("capacity"),
      "Testing aid: how many log records may wait for delivery (10000 by default); returns the previous "
      "capacity. Raises ValidationError for 0.");
}

}  // namespace crmkit::bindings
