// crmkit/error.hpp — the one exception hierarchy of the engine.
//
// Every failure the engine reports is a subclass of crmkit::Error. The bindings translate each
// class one-to-one to a Python class of the same name, so messages use the Python API's
// vocabulary (field names, "customer 42", ...). A call that throws has changed nothing: every
// public operation runs inside a transaction (or savepoint) that is rolled back on the way out.
//
// Thread-safety: exception objects are immutable values; copy them freely.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace crmkit {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An id, login or name that does not exist (Python: also a KeyError).
class NotFound : public Error {
 public:
  using Error::Error;
};

// Input that breaks a documented rule. `field` names the offending field when there is one;
// `row` is the 0-based index of the offending row in a batch call (add_many, imports).
// Python: also a ValueError.
class ValidationError : public Error {
 public:
  explicit ValidationError(const std::string& message, std::string field = {},
                           std::optional<std::int64_t> row = std::nullopt)
      : Error(message), field_(std::move(field)), row_(row) {}
  const std::string& field() const noexcept { return field_; }
  std::optional<std::int64_t> row() const noexcept { return row_; }

 private:
  std::string field_;
  std::optional<std::int64_t> row_;
};

// The acting user may not read or write this record or configuration.
class PermissionDenied : public Error {
 public:
  using Error::Error;
};

// A stale `expected_version`, a duplicate key, or a concurrent decision that lost the race.
class Conflict : public Error {
 public:
  using Error::Error;
};

// A rule that does not lex, parse or type-check. `position` is the 0-based offset in code
// points; `line` and `column` are 1-based.
class RuleSyntaxError : public Error {
 public:
  RuleSyntaxError(const std::string& message, std::int64_t position, std::int64_t line,
                  std::int64_t column)
      : Error(message), position_(position), line_(line), column_(column) {}
  std::int64_t position() const noexcept { return position_; }
  std::int64_t line() const noexcept { return line_; }
  std::int64_t column() const noexcept { return column_; }

 private:
  std::int64_t position_;
  std::int64_t line_;
  std::int64_t column_;
};

// An invalid workflow definition or an illegal transition of an approval request.
class WorkflowError : public Error {
 public:
  using Error::Error;
};

// The database file cannot be used: not SQLite, a newer schema, I/O failure, busy past timeout.
class StorageError : public Error {
 public:
  using Error::Error;
};

}  // namespace crmkit

// Invariant check for conditions that can only fail through a bug in crmkit itself. Never put a
// side effect in the condition.
#define CRMKIT_ASSERT(cond)                                                                    \
  do {                                                                                         \
    if (!(cond)) throw ::crmkit::Error(std::string("internal error: assertion failed: ") +   \
                                       #cond + " at " + __FILE__ + ":" + std::to_string(__LINE__)); \
  } while (0)
