// crmkit/schema/fields.hpp — custom fields defined as data (zero-code).
//
// A field definition names an entity ("customer", "contact", "opportunity", "lead"), a type
// (text, number, integer, bool, date, datetime, enum, multi_enum, user) and its constraints
// (enum options, min/max, required). Values are validated on every write and stored as one JSON
// object per record; dates and instants are stored as ms since the epoch.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/value.hpp"

namespace crmkit::schema {

enum class FieldType { Text, Number, Integer, Bool, Date, DateTime, Enum, MultiEnum, User };

const char* type_name(FieldType t);
// Throws ValidationError naming `type` for an unknown name.
FieldType parse_type(const std::string& name);

struct FieldDef {
  std::int64_t id = 0;
  std::string entity;
  std::string name;
  FieldType type = FieldType::Text;
  std::optional<std::string> label;
  std::vector<std::string> options;  // enum / multi_enum
  std::optional<double> min;         // number / integer
  std::optional<double> max;
  bool required = false;
};

// The entities that accept custom fields.
const std::vector<std::string>& field_entities();

// Checks and canonicalises one value for `def`: numbers from integers, dates from ISO text,
// enum membership, range, text length. Null is allowed unless the field is required. Errors name
// the field and, when given, the batch row. Datetime text without an offset, and a date given to
// a datetime field, are local to `zone`.
Value validate_value(const FieldDef& def, const Value& input, std::optional<std::int64_t> row = std::nullopt,
                     const TimeZone& zone = TimeZone{});

// The definitions of one entity, indexed by name: loaded once per call that needs them.
class FieldSet {
 public:
  FieldSet() = default;
  explicit FieldSet(std::vector<FieldDef> defs, TimeZone zone = TimeZone{});
  const FieldDef* find(const std::string& name) const;
  const std::vector<FieldDef>& defs() const& { return defs_; }
  // Iterating the definitions of a temporary set would dangle (`for (d : of(e).defs())`).
  const std::vector<FieldDef>& defs() const&& = delete;
  // Validates a whole set of values (unknown names refused) and, when `complete`, that every
  // required field is present. Returns the canonical values.
  // `user_exists` checks the ids of user-typed fields.
  std::map<std::string, Value> validate(const std::map<std::string, Value>& values, bool complete,
                                        const std::function<bool(std::int64_t)>& user_exists,
                                        std::optional<std::int64_t> row = std::nullopt) const;
  // JSON text for storage, and back.
  std::string to_json(const std::map<std::string, Value>& values) const;
  std::map<std::string, Value> from_json(const std::string& json) const;

 private:
  std::vector<FieldDef> defs_;
  std::map<std::string, std::size_t> index_;
  TimeZone zone_;  // the database's, for datetime text (see validate_value)
};

class Fields {
 public:
  explicit Fields(Context ctx) : ctx_(std::move(ctx)) {}
  // Adds a field. Throws ValidationError for an unknown entity or type, a name that is not an
  // identifier or clashes with a built-in field, options on a non-enum, min > max; Conflict if
  // the name is taken. A new required field needs no back-fill: it is enforced on later writes.
  FieldDef add(FieldDef def);
  // Removes a field definition; stored values are dropped from records lazily (ignored on read).
  void remove(const std::string& entity, const std::string& name);
  FieldSet of(const std::string& entity) const;
  // Columns: entity, name, type, label, options, min, max, required.
  Table list(std::optional<std::string> entity = std::nullopt) const;

 private:
  Context ctx_;
};

// The custom fields of `entity` (ids, names, types) in one string: a store that holds their
// values compares it to see whether a definition changed. Read in the caller's transaction.
std::string field_signature(db::Database& db, const std::string& entity);

// Names that custom fields of `entity` may not take (built-in columns and derived facts).
const std::vector<std::string>& reserved_names(const std::string& entity);

}  // namespace crmkit::schema
