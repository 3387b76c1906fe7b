// crmkit/table.hpp — columnar results.
//
// Every list of many rows leaves the engine as a Table: named, typed column vectors filled by one
// C++ call, so that the bindings can hand whole columns to Python (and pandas) without building a
// Python object per cell. A NULL is a cleared bit in the column's `valid` vector.
// Plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/value.hpp"

namespace crmkit {

enum class ColumnType {
  Int,       // int64
  Float,     // double (money is reported as Float in currency units)
  Text,      // UTF-8
  Bool,      // stored in ints as 0/1
  Time,      // ms since the epoch UTC in ints; Python sees timezone-aware datetimes
  Date,      // ms of midnight UTC in ints; Python sees dates
  TextList,  // a list of strings per row (tags, multi_enum)
};

struct Column {
  std::string name;
  ColumnType type = ColumnType::Int;
  std::vector<std::int64_t> ints;      // Int, Bool, Time, Date
  std::vector<double> floats;          // Float
  std::vector<std::string> texts;      // Text
  std::vector<std::vector<std::string>> lists;  // TextList
  std::vector<std::uint8_t> valid;     // 1 = has a value, 0 = NULL

  std::size_t size() const { return valid.size(); }
  void reserve(std::size_t n);
  void push_null();
  void push_int(std::int64_t v);
  void push_float(double v);
  void push_text(std::string v);
  void push_list(std::vector<std::string> v);
  template <typename T>
  void push_opt(const std::optional<T>& v) {
    if (!v) return push_null();
    if constexpr (std::is_same_v<T, std::string>) push_text(*v);
    else if constexpr (std::is_floating_point_v<T>) push_float(*v);
    else push_int(static_cast<std::int64_t>(*v));
  }
  // Appends a dynamically typed value, converting to this column's type (NULL if it does not fit).
  void push_value(const Value& v);
  // The cell as a Value (for row-wise access).
  Value at(std::size_t row) const;
};

class Table {
 public:
  Table() = default;
  // Adds an empty column and returns its index.
  std::size_t add_column(std::string name, ColumnType type);
  Column& column(std::size_t i) { return columns_.at(i); }
  const Column& column(std::size_t i) const { return columns_.at(i); }
  // Throws NotFound for an unknown name.
  const Column& column(const std::string& name) const;
  std::optional<std::size_t> find_column(const std::string& name) const;
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<Column>& columns() { return columns_; }
  std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
  std::size_t width() const { return columns_.size(); }
  void reserve(std::size_t n);

 private:
  std::vector<Column> columns_;
};

}  // namespace crmkit
