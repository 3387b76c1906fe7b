// crmkit/rules/value.hpp — one field value or literal as the rule engine sees it.
//
// A Value is NULL, a bool, a 64-bit integer, a double, a UTF-8 string, or a list of strings (a
// multi_enum value). Dates and datetimes are integers: milliseconds since the epoch UTC. The same
// type carries literals bound as SQL parameters (SqlFragment::params), so a binder only needs to
// handle the first five alternatives (lists never appear as parameters).
//
// Thread-safety: a plain value type; copy freely, share const references across threads.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace crmkit::rules {

class Value {
 public:
  using List = std::vector<std::string>;
  using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, List>;

  Value() = default;  // NULL
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Value(T i) : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(List list) : v_(std::move(list)) {}

  bool is_null() const noexcept { return v_.index() == 0; }
  bool is_bool() const noexcept { return v_.index() == 1; }
  bool is_int() const noexcept { return v_.index() == 2; }
  bool is_double() const noexcept { return v_.index() == 3; }
  bool is_string() const noexcept { return v_.index() == 4; }
  bool is_list() const noexcept { return v_.index() == 5; }
  // bool, int or double: the alternatives SQLite compares numerically.
  bool is_numeric() const noexcept { return is_bool() || is_int() || is_double(); }

  // Accessors throw std::bad_variant_access on the wrong alternative.
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return std::get<List>(v_); }

  const Storage& storage() const noexcept { return v_; }

  // Structural equality (an int 1 and a double 1.0 are different values here; rule comparisons
  // use numeric comparison instead).
  friend bool operator==(const Value&, const Value&) = default;

 private:
  Storage v_;
};

}  // namespace crmkit::rules
