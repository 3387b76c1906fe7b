// crmkit/value.hpp — a dynamically typed field value (custom fields, record snapshots, history).
//
// Custom fields are data, not code, so their values travel as this variant between the bindings,
// validation and storage. Dates and instants keep their own alternatives so that they come back
// to Python as `date` and `datetime`, not as integers. Plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "crmkit/time.hpp"

namespace crmkit {

struct Value {
  using Variant = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                               std::vector<std::string>, Date, Timestamp>;
  Variant v;

  Value() = default;
  template <typename T>
  Value(T x) : v(std::move(x)) {}  // NOLINT: implicit on purpose, values are built inline
  Value(const char* s) : v(std::string(s)) {}
  Value(int x) : v(static_cast<std::int64_t>(x)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  template <typename T>
  bool is() const { return std::holds_alternative<T>(v); }
  template <typename T>
  const T& as() const { return std::get<T>(v); }

  // "text", "integer", "number", "bool", "list", "date", "datetime" or "null": for messages.
  const char* type_name() const;
  // A readable rendering for history and explain output: dates as ISO text, lists as JSON.
  std::string to_text() const;
  friend bool operator==(const Value&, const Value&) = default;
};

}  // namespace crmkit
