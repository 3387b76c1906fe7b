#include "crmkit/table.hpp"

#include "crmkit/error.hpp"

namespace crmkit {

void Column::reserve(std::size_t n) {
  valid.reserve(n);
  switch (type) {
    case ColumnType::Float: floats.reserve(n); break;
    case ColumnType::Text: texts.reserve(n); break;
    case ColumnType::TextList: lists.reserve(n); break;
    default: ints.reserve(n);
  }
}

void Column::push_null() {
  valid.push_back(0);
  switch (type) {
    case ColumnType::Float: floats.push_back(0.0); break;
    case ColumnType::Text: texts.emplace_back(); break;
    case ColumnType::TextList: lists.emplace_back(); break;
    default: ints.push_back(0);
  }
}

void Column::push_int(std::int64_t v) {
  if (type == ColumnType::Float) return push_float(static_cast<double>(v));
  CRMKIT_ASSERT(type == ColumnType::Int || type == ColumnType::Bool || type == ColumnType::Time ||
                type == ColumnType::Date);
  valid.push_back(1);
  ints.push_back(v);
}

void Column::push_float(double v) {
  CRMKIT_ASSERT(type == ColumnType::Float);
  valid.push_back(1);
  floats.push_back(v);
}

void Column::push_text(std::string v) {
  CRMKIT_ASSERT(type == ColumnType::Text);
  valid.push_back(1);
  texts.push_back(std::move(v));
}

void Column::push_list(std::vector<std::string> v) {
  CRMKIT_ASSERT(type == ColumnType::TextList);
  valid.push_back(1);
  lists.push_back(std::move(v));
}

void Column::push_value(const Value& v) {
  if (v.is_null()) return push_null();
  switch (type) {
    case ColumnType::Int:
    case ColumnType::Bool:
      if (v.is<std::int64_t>()) return push_int(v.as<std::int64_t>());
      if (v.is<bool>()) return push_int(v.as<bool>() ? 1 : 0);
      break;
    case ColumnType::Float:
      if (v.is<double>()) return push_float(v.as<double>());
      if (v.is<std::int64_t>()) return push_float(static_cast<double>(v.as<std::int64_t>()));
      break;
    case ColumnType::Text:
      if (v.is<std::string>()) return push_text(v.as<std::string>());
      return push_text(v.to_text());
    case ColumnType::Time:
      if (v.is<Timestamp>()) return push_int(v.as<Timestamp>().ms);
      if (v.is<Date>()) return push_int(v.as<Date>().ms);
      break;
    case ColumnType::Date:
      if (v.is<Date>()) return push_int(v.as<Date>().ms);
      if (v.is<Timestamp>()) return push_int(v.as<Timestamp>().ms);
      break;
    case ColumnType::TextList:
      if (v.is<std::vector<std::string>>()) return push_list(v.as<std::vector<std::string>>());
      break;
  }
  push_null();
}

Value Column::at(std::size_t row) const {
  if (!valid.at(row)) return Value{};
  switch (type) {
    case ColumnType::Int: return Value{ints[row]};
    case ColumnType::Bool: return Value{ints[row] != 0};
    case ColumnType::Float: return Value{floats[row]};
    case ColumnType::Text: return Value{texts[row]};
    case ColumnType::Time: return Value{Timestamp{ints[row]}};
    case ColumnType::Date: return Value{Date{ints[row]}};
    case ColumnType::TextList: return Value{lists[row]};
  }
  return Value{};
}

std::size_t Table::add_column(std::string name, ColumnType type) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  columns_.push_back(std::move(c));
  return columns_.size() - 1;
}

std::optional<std::size_t> Table::find_column(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return i;
  return std::nullopt;
}

const Column& Table::column(const std::string& name) const {
  auto i = find_column(name);
  if (!i) throw NotFound("table has no column '" + name + "'");
  return columns_[*i];
}

void Table::reserve(std::size_t n) {
  for (auto& c : columns_) c.reserve(n);
}

}  // namespace crmkit
