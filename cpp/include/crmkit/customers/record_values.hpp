// crmkit/customers/record_values.hpp — how a record with custom fields reads its attributes
// and shows its custom fields: customers and contacts here, and pipeline's leads, opportunities
// and documents above, so that a blank, an over-long text or a malformed e-mail is refused in the
// same words on every record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "crmkit/schema/fields.hpp"
#include "crmkit/table.hpp"
#include "crmkit/value.hpp"

namespace crmkit::customers {

// An optional text attribute: null or blank → nullopt; non-text → ValidationError.
std::optional<std::string> text_attr(const Value& v, const std::string& field, std::size_t max_len, bool required,
                                     std::optional<std::int64_t> row);
std::optional<std::string> email_attr(const Value& v, std::optional<std::int64_t> row);

// The Table column type that shows a custom field.
ColumnType column_type(schema::FieldType t);

// Adds one column per custom field and returns the index of the first.
std::size_t add_field_columns(Table& t, const schema::FieldSet& fields);
void push_field_values(Table& t, std::size_t first, const schema::FieldSet& fields,
                       const std::map<std::string, Value>& values);

}  // namespace crmkit::customers
