#include "crmkit/schema/fields.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/schema/config_epoch.hpp"
#include "crmkit/schema/hooks.hpp"
#include "crmkit/text.hpp"

namespace crmkit::schema {
namespace {

using json = nlohmann::json;

std::string where(const std::optional<std::int64_t>& row) {
  return row ? "row " + std::to_string(*row) + ": " : "";
}

[[noreturn]] void invalid(const FieldDef& def, const std::optional<std::int64_t>& row, const std::string& what) {
  throw ValidationError(where(row) + def.name + ": " + what, def.name, row);
}

std::string fmt_num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return json(v).dump();
}

void check_range(const FieldDef& def, double v, const std::optional<std::int64_t>& row) {
  if (def.min && v < *def.min) invalid(def, row, fmt_num(v) + " is below the minimum " + fmt_num(*def.min));
  if (def.max && v > *def.max) invalid(def, row, fmt_num(v) + " is above the maximum " + fmt_num(*def.max));
}

std::string list_options(const std::vector<std::string>& options) {
  std::string s;
  for (const auto& o : options) s += (s.empty() ? "" : ", ") + o;
  return s;
}

bool is_identifier(const std::string& s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size());
  bool first = true;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
    bool ok = c == '_' || u_isalpha(c) || (!first && u_isdigit(c));
    if (!ok) return false;
    first = false;
  }
  return !first;
}

}  // namespace

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::Text: return "text";
    case FieldType::Number: return "number";
    case FieldType::Integer: return "integer";
    case FieldType::Bool: return "bool";
    case FieldType::Date: return "date";
    case FieldType::DateTime: return "datetime";
    case FieldType::Enum: return "enum";
    case FieldType::MultiEnum: return "multi_enum";
    case FieldType::User: return "user";
  }
  return "text";
}

FieldType parse_type(const std::string& name) {
  for (auto t : {FieldType::Text, FieldType::Number, FieldType::Integer, FieldType::Bool, FieldType::Date,
                 FieldType::DateTime, FieldType::Enum, FieldType::MultiEnum, FieldType::User})
    if (name == type_name(t)) return t;
  throw ValidationError("type: unknown field type '" + name +
                            "' (use text, number, integer, bool, date, datetime, enum, multi_enum or user)",
                        "type");
}

const std::vector<std::string>& field_entities() {
  static const std::vector<std::string> e = {"customer", "contact", "opportunity", "lead"};
  return e;
}

std::string field_signature(db::Database& db, const std::string& entity) {
  auto q = db.prepare("SELECT id, name, type FROM field_defs WHERE entity = ? ORDER BY id");
  q.bind(1, entity);
  std::string sig;
  while (q.step()) {
    sig += std::to_string(q.get_int(0)) + ':' + std::string(q.get_text_view(1)) + ':' + std::string(q.get_text_view(2)) + ',';
  }
  return sig;
}

const std::vector<std::string>& reserved_names(const std::string& entity) {
  // Rule-language keywords are reserved everywhere so that every field can appear in a rule.
  static const std::vector<std::string> common = {
      "id", "fields", "tags", "created_at", "updated_at", "created_by", "version", "and", "or", "not", "in",
      "between", "contains", "starts_with", "is", "null", "true", "false", "now", "has_tag", "in_group"};
  static const std::map<std::string, std::vector<std::string>> by_entity = {
      {"customer",
       {"name", "kind", "industry", "owner", "owner_id", "source", "phone", "email", "stage", "team", "team_id",
        "last_contact_at", "days_since_contact", "interaction_count", "order_count", "lifetime_value",
        "first_order_at", "last_order_at", "avg_satisfaction", "open_tickets", "pool"}},
      {"contact", {"customer_id", "name", "title", "phone", "email"}},
      {"opportunity",
       {"customer_id", "title", "amount", "owner", "owner_id", "stage", "probability", "close_date", "status",
        "lost_reason", "locked", "team", "team_id"}},
      {"lead", {"name", "company", "phone", "email", "source", "status", "owner", "owner_id", "reason"}},
  };
  static std::map<std::string, std::vector<std::string>> merged;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const auto& [e, names] : by_entity) {
      auto all = common;
      all.insert(all.end(), names.begin(), names.end());
      merged[e] = all;
    }
  });
  auto it = merged.find(entity);
  static const std::vector<std::string> empty;
  return it == merged.end() ? common : it->second;
}

Value validate_value(const FieldDef& def, const Value& in, std::optional<std::int64_t> row, const TimeZone& zone) {
  if (in.is_null() || (in.is<std::string>() && text::trim(in.as<std::string>()).empty() &&
                       def.type != FieldType::Text)) {
    if (def.required) invalid(def, row, "is required");
    return Value{};
  }
  auto wrong = [&](const char* expected) { invalid(def, row, std::string("expected ") + expected + ", got " + in.type_name()); };
  switch (def.type) {
    case FieldType::Text: {
      if (!in.is<std::string>()) wrong("text");
      auto t = text::clean(in.as<std::string>(), def.name, text::kMaxLong, def.required, row);
      return t ? Value{*t} : Value{};
    }
    case FieldType::Number: {
      double v = 0;
      if (in.is<double>()) v = in.as<double>();
      else if (in.is<std::int64_t>()) v = static_cast<double>(in.as<std::int64_t>());
      else wrong("a number");
      if (!std::isfinite(v)) invalid(def, row, "must be a finite number");
      check_range(def, v, row);
      return Value{v};
    }
    case FieldType::Integer: {
      std::int64_t v = 0;
      if (in.is<std::int64_t>()) v = in.as<std::int64_t>();
      else if (in.is<double>() && std::isfinite(in.as<double>()) && in.as<double>() == std::floor(in.as<double>()) &&
               std::fabs(in.as<double>()) < 9e15)
        v = static_cast<std::int64_t>(in.as<double>());
      else wrong("an integer");
      check_range(def, static_cast<double>(v), row);
      return Value{v};
    }
    case FieldType::Bool:
      if (!in.is<bool>()) wrong("true or false");
      return in;
    case FieldType::Date:
      if (in.is<Date>()) return in;
      if (in.is<std::string>()) {
        try {
          return Value{parse_date(in.as<std::string>(), def.name)};
        } catch (const ValidationError& e) {
          invalid(def, row, std::string("'") + in.as<std::string>() + "' is not a date (YYYY-MM-DD)");
        }
      }
      wrong("a date");
      break;
    case FieldType::DateTime:
      if (in.is<Timestamp>()) return in;
      if (in.is<Date>()) return Value{Timestamp{zone.start_of(in.as<Date>())}};
      if (in.is<std::string>()) {
        try {
          return Value{parse_timestamp(in.as<std::string>(), def.name, zone)};
        } catch (const ValidationError&) {
          invalid(def, row, std::string("'") + in.as<std::string>() + "' is not a date or time (ISO-8601)");
        }
      }
      wrong("a date and time");
      break;
    case FieldType::Enum: {
      if (!in.is<std::string>()) wrong("one of the options");
      std::string v = text::trim(in.as<std::string>());
      if (std::find(def.options.begin(), def.options.end(), v) == def.options.end())
        invalid(def, row, "'" + v + "' is not one of the options (" + list_options(def.options) + ")");
      return Value{v};
    }
    case FieldType::MultiEnum: {
      std::vector<std::string> items;
      if (in.is<std::vector<std::string>>()) items = in.as<std::vector<std::string>>();
      else if (in.is<std::string>()) items = {in.as<std::string>()};
      else wrong("a list of options");
      std::vector<std::string> out;
      for (auto item : items) {
        item = text::trim(item);
        if (std::find(def.options.begin(), def.options.end(), item) == def.options.end())
          invalid(def, row, "'" + item + "' is not one of the options (" + list_options(def.options) + ")");
        if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
      }
      if (out.empty() && def.required) invalid(def, row, "is required");
      return Value{out};
    }
    case FieldType::User:
      if (!in.is<std::int64_t>()) wrong("a user id");
      return in;
  }
  return Value{};
}

FieldSet::FieldSet(std::vector<FieldDef> defs, TimeZone zone) : defs_(std::move(defs)), zone_(zone) {
  for (std::size_t i = 0; i < defs_.size(); ++i) index_[defs_[i].name] = i;
}

const FieldDef* FieldSet::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &defs_[it->second];
}

std::map<std::string, Value> FieldSet::validate(const std::map<std::string, Value>& values, bool complete,
                                                const std::function<bool(std::int64_t)>& user_exists,
                                                std::optional<std::int64_t> row) const {
  std::map<std::string, Value> out;
  for (const auto& [name, v] : values) {
    const FieldDef* def = find(name);
    if (!def) {
      std::string known;
      for (const auto& d : defs_) known += (known.empty() ? "" : ", ") + d.name;
      throw ValidationError(where(row) + "unknown field '" + name + "'" +
                                (known.empty() ? " (no custom fields are defined)" : " (defined: " + known + ")"),
                            name, row);
    }
    Value canonical = validate_value(*def, v, row, zone_);
    if (def->type == FieldType::User && !canonical.is_null() && !user_exists(canonical.as<std::int64_t>()))
      invalid(*def, row, "user " + std::to_string(canonical.as<std::int64_t>()) + " does not exist");
    out[name] = std::move(canonical);
  }
  if (complete)
    for (const auto& d : defs_)
      if (d.required && (out.find(d.name) == out.end() || out[d.name].is_null())) invalid(d, row, "is required");
  return out;
}

std::string FieldSet::to_json(const std::map<std::string, Value>& values) const {
  json j = json::object();
  for (const auto& [name, v] : values) {
    if (v.is_null()) continue;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
          } else if constexpr (std::is_same_v<T, Date> || std::is_same_v<T, Timestamp>) {
            j[name] = x.ms;
          } else {
            j[name] = x;
          }
        },
        v.v);
  }
  return j.dump();
}

std::map<std::string, Value> FieldSet::from_json(const std::string& text) const {
  std::map<std::string, Value> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto& [name, v] : j.items()) {
    const FieldDef* def = find(name);
    if (!def || v.is_null()) continue;  // a removed field's stale value is not reported
    // A value whose JSON type does not fit the definition (a file edited by hand) is skipped,
    // never an error on read.
    bool fits = false;
    switch (def->type) {
      case FieldType::Text:
      case FieldType::Enum: fits = v.is_string(); break;
      case FieldType::Number: fits = v.is_number(); break;
      case FieldType::Bool: fits = v.is_boolean(); break;
      case FieldType::MultiEnum:
        fits = v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); });
        break;
      default: fits = v.is_number_integer(); break;
    }
    if (!fits) continue;
    switch (def->type) {
      case FieldType::Text:
      case FieldType::Enum: out[name] = Value{v.get<std::string>()}; break;
      case FieldType::Number: out[name] = Value{v.get<double>()}; break;
      case FieldType::Integer:
      case FieldType::User: out[name] = Value{v.get<std::int64_t>()}; break;
      case FieldType::Bool: out[name] = Value{v.get<bool>()}; break;
      case FieldType::Date: out[name] = Value{Date{v.get<std::int64_t>()}}; break;
      case FieldType::DateTime: out[name] = Value{Timestamp{v.get<std::int64_t>()}}; break;
      case FieldType::MultiEnum: out[name] = Value{v.get<std::vector<std::string>>()}; break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fields service

FieldDef Fields::add(FieldDef def) {
  ctx_.require_admin("define custom fields");
  const auto& entities = field_entities();
  if (std::find(entities.begin(), entities.end(), def.entity) == entities.end())
    throw ValidationError("entity: unknown entity '" + def.entity + "' (use customer, contact, opportunity or lead)",
                          "entity");
  def.name = text::trim(def.name);
  if (!is_identifier(def.name))
    throw ValidationError("name: '" + def.name +
                              "' is not a valid field name (letters, digits and _, not starting with a digit)",
                          "name");
  text::clean(def.name, "name", 64, true);
  const auto& reserved = reserved_names(def.entity);
  if (std::find(reserved.begin(), reserved.end(), def.name) != reserved.end())
    throw ValidationError("name: '" + def.name + "' is a built-in field or keyword of " + def.entity, "name");
  bool is_enum = def.type == FieldType::Enum || def.type == FieldType::MultiEnum;
  if (is_enum) {
    if (def.options.empty()) throw ValidationError("options: an enum field needs at least one option", "options");
    std::vector<std::string> seen;
    for (auto& o : def.options) {
      o = *text::clean(o, "options", text::kMaxShort, true);
      if (std::find(seen.begin(), seen.end(), o) != seen.end())
        throw ValidationError("options: '" + o + "' is listed twice", "options");
      seen.push_back(o);
    }
  } else if (!def.options.empty()) {
    throw ValidationError(std::string("options: only enum and multi_enum fields take options, not ") +
                              type_name(def.type),
                          "options");
  }
  bool numeric = def.type == FieldType::Number || def.type == FieldType::Integer;
  if ((def.min || def.max) && !numeric)
    throw ValidationError(std::string("min/max: only number and integer fields take a range, not ") + type_name(def.type),
                          def.min ? "min" : "max");
  // NaN compares false with everything (a NaN bound would pass every value), and JSON, where
  // definitions are stored, has neither NaN nor infinity.
  if (def.min && !std::isfinite(*def.min)) throw ValidationError("min: the minimum must be a finite number", "min");
  if (def.max && !std::isfinite(*def.max)) throw ValidationError("max: the maximum must be a finite number", "max");
  if (def.min && def.max && *def.min > *def.max) throw ValidationError("min: the minimum is above the maximum", "min");
  if (def.label) def.label = text::clean(*def.label, "label", text::kMaxName, false);

  db::Transaction tx(ctx_.db());
  auto dup = ctx_.db().prepare("SELECT 1 FROM field_defs WHERE entity = ? AND name = ?");
  dup.bind_all(def.entity, def.name);
  if (dup.step()) throw Conflict("the " + def.entity + " field '" + def.name + "' already exists");
  std::optional<std::string> options;
  if (is_enum) options = json(def.options).dump();
  ctx_.db()
      .prepare("INSERT INTO field_defs(entity, name, type, label, options, min_value, max_value, required, created_at) "
               "VALUES (?,?,?,?,?,?,?,?,?)")
      .bind_all(def.entity, def.name, std::string(type_name(def.type)), def.label, options, def.min, def.max,
                def.required, ctx_.now())
      .exec();
  def.id = ctx_.db().last_insert_id();
  config_changed(ctx_);
  history::record(ctx_, "field", def.id, def.entity + "." + def.name, std::nullopt, type_name(def.type), "added");
  tx.commit();
  return def;
}

void Fields::remove(const std::string& entity, const std::string& name) {
  ctx_.require_admin("remove custom fields");
  db::Transaction tx(ctx_.db());
  auto q = ctx_.db().prepare("SELECT id FROM field_defs WHERE entity = ? AND name = ?");
  q.bind_all(entity, name);
  if (!q.step()) throw NotFound("the " + entity + " field '" + name + "' does not exist");
  std::int64_t id = q.get_int(0);
  ctx_.db().prepare("DELETE FROM field_defs WHERE id = ?").bind_all(id).exec();
  config_changed(ctx_);
  // Drop the stored values too (the domain storing the entity's records does it), so that a field
  // added again later under this name starts empty.
  hooks::field_removed(ctx_, entity, name);
  history::record(ctx_, "field", id, entity + "." + name, "defined", std::nullopt, "removed");
  tx.commit();
}

FieldSet Fields::of(const std::string& entity) const {
  db::Transaction tx(ctx_.db(), false);
  std::vector<FieldDef> defs;
  auto q = ctx_.db().prepare(
      "SELECT id, entity, name, type, label, options, min_value, max_value, required FROM field_defs "
      "WHERE entity = ? ORDER BY id");
  q.bind_all(entity);
  while (q.step()) {
    FieldDef d;
    d.id = q.get_int(0);
    d.entity = q.get_text(1);
    d.name = q.get_text(2);
    d.type = parse_type(q.get_text(3));
    d.label = q.get_opt_text(4);
    if (auto o = q.get_opt_text(5)) d.options = json::parse(*o).get<std::vector<std::string>>();
    d.min = q.get_opt_double(6);
    d.max = q.get_opt_double(7);
    d.required = q.get_int(8) != 0;
    defs.push_back(std::move(d));
  }
  return FieldSet(std::move(defs), ctx_.zone());
}

Table Fields::list(std::optional<std::string> entity) const {
  Table t;
  for (auto [n, ty] : {std::pair{"entity", ColumnType::Text}, {"name", ColumnType::Text}, {"type", ColumnType::Text},
                       {"label", ColumnType::Text}, {"options", ColumnType::TextList}, {"min", ColumnType::Float},
                       {"max", ColumnType::Float}, {"required", ColumnType::Bool}})
    t.add_column(n, ty);
  for (const auto& e : field_entities()) {
    if (entity && *entity != e) continue;
    FieldSet set = of(e);
    for (const auto& d : set.defs()) {
      t.column(0).push_text(d.entity);
      t.column(1).push_text(d.name);
      t.column(2).push_text(type_name(d.type));
      t.column(3).push_opt(d.label);
      t.column(4).push_list(d.options);
      t.column(5).push_opt(d.min);
      t.column(6).push_opt(d.max);
      t.column(7).push_int(d.required);
    }
  }
  return t;
}

}  // namespace crmkit::schema
