// The parts every entity import shares (imports_internal.h).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "crmkit/customers/keys.hpp"
#include "crmkit/customers/lookup.hpp"
#include "crmkit/error.hpp"
#include "crmkit/io/clean.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/text.hpp"
#include "crmkit/time.hpp"
#include "imports_internal.h"

namespace crmkit::imports {

OnMatch parse_on_match(const std::string& text) {
  if (text == "skip") return OnMatch::Skip;
  if (text == "update") return OnMatch::Update;
  if (text == "create") return OnMatch::Create;
  throw ValidationError("on_match: '" + text + "' is not a match policy (skip, update or create)", "on_match");
}

namespace internal {

const char* action_name(OnMatch m) {
  switch (m) {
    case OnMatch::Skip: return "skip";
    case OnMatch::Update: return "update";
    default: return "create";
  }
}

const std::vector<BuiltIn>& builtins_of(const std::string& entity) {
  static const std::vector<BuiltIn> customers = {
      {"name", Kind::Name},   {"kind", Kind::Text},   {"industry", Kind::Text}, {"source", Kind::Text},
      {"phone", Kind::Phone}, {"email", Kind::Email}, {"owner", Kind::User},    {"stage", Kind::Text},
      {"tags", Kind::Tags}};
  static const std::vector<BuiltIn> contacts = {{"customer", Kind::CustomerRef}, {"name", Kind::Name},
                                                {"title", Kind::Text},           {"phone", Kind::Phone},
                                                {"email", Kind::Email}};
  static const std::vector<BuiltIn> interactions = {{"customer", Kind::CustomerRef}, {"kind", Kind::Text},
                                                    {"summary", Kind::Text},         {"at", Kind::Date},
                                                    {"by", Kind::User}};
  static const std::vector<BuiltIn> orders = {{"customer", Kind::CustomerRef}, {"amount", Kind::Amount},
                                              {"at", Kind::Date}, {"note", Kind::Text}};
  static const std::vector<BuiltIn> leads = {{"name", Kind::Name},   {"company", Kind::Text}, {"phone", Kind::Phone},
                                             {"email", Kind::Email}, {"source", Kind::Text},  {"owner", Kind::User}};
  if (entity == "customers") return customers;
  if (entity == "contacts") return contacts;
  if (entity == "interactions") return interactions;
  if (entity == "orders") return orders;
  if (entity == "leads") return leads;
  throw ValidationError("entity: '" + entity + "' cannot be imported (customers, contacts, interactions, orders, leads)",
                        "entity");
}

std::string custom_entity_of(const std::string& entity) {
  if (entity == "customers") return "customer";
  if (entity == "contacts") return "contact";
  if (entity == "leads") return "lead";
  return "";
}

std::vector<Target> resolve_mapping(const ImportOptions& options, const std::vector<BuiltIn>& builtins,
                                    const schema::FieldSet& fields, const io::RowSource* source) {
  auto target_of = [&](const std::string& field, Target& t) {
    for (const auto& b : builtins)
      if (field == b.field) {
        t.field = field;
        t.kind = b.kind;
        return true;
      }
    if (const auto* def = fields.find(field)) {
      t.field = field;
      t.kind = Kind::Custom;
      t.custom = def;
      return true;
    }
    return false;
  };
  auto known = [&] {
    std::string names;
    for (const auto& b : builtins) names += (names.empty() ? "" : ", ") + std::string(b.field);
    for (const auto& d : fields.defs()) names += ", " + d.name;
    return names;
  };
  std::vector<Target> out;
  if (!options.mapping.empty()) {
    for (const auto& [header, field] : options.mapping) {
      Target t;
      const auto f = text::trim(field);
      if (!target_of(f, t))
        throw ValidationError("mapping: '" + header + "' maps to unknown field '" + field + "' (known fields: " +
                                  known() + ")",
                              field);
      for (const auto& o : out)
        if (o.field == t.field)
          throw ValidationError("mapping: both '" + o.header + "' and '" + header + "' map to field '" + t.field + "'",
                                t.field);
      t.header = header;
      out.push_back(t);
    }
  }
  if (!source) return out;
  const auto& head = source->header();
  auto column_of = [&](const std::string& header) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < head.size(); ++i)
      if (head[i] == header || text::trim(head[i]) == text::trim(header)) return i;
    return std::nullopt;
  };
  if (options.mapping.empty()) {
    // No mapping: the headers that are target names map to themselves.
    for (std::size_t i = 0; i < head.size(); ++i) {
      Target t;
      if (target_of(text::trim(head[i]), t)) {
        t.header = head[i];
        t.column = i;
        out.push_back(t);
      }
    }
    if (out.empty())
      throw ValidationError("mapping: no column of the file is named after a field (known fields: " + known() +
                                "); pass mapping={header: field}",
                            "mapping");
    return out;
  }
  for (auto& t : out) {
    auto c = column_of(t.header);
    if (!c) {
      std::string have;
      for (const auto& h : head) have += (have.empty() ? "'" : ", '") + h + "'";
      throw ValidationError("mapping: the file has no column '" + t.header + "' (its columns: " + have + ")",
                            t.header);
    }
    t.column = *c;
  }
  return out;
}

UserDirectory UserDirectory::load(const Context& ctx) {
  UserDirectory d;
  for (const auto& [id, login] : org::directory(ctx).logins) {
    d.ids[id] = true;
    d.by_login[login] = id;
  }
  return d;
}

std::optional<std::int64_t> UserDirectory::find(const std::string& text) const {
  auto it = by_login.find(text);
  if (it != by_login.end()) return it->second;
  char* end = nullptr;
  errno = 0;
  const long long id = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end && *end == '\0' && !text.empty() && ids.count(id)) return id;
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  auto flush = [&] {
    auto t = text::trim(item);
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    item.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ',' || text[i] == ';' || text[i] == '|') {
      flush();
      ++i;
    } else if (text.compare(i, 3, "、") == 0) {
      flush();
      i += 3;
    } else {
      item += text[i++];
    }
  }
  flush();
  return out;
}

namespace {

// A number as typed: a plain decimal ("0.125", "-3", "1e3"), else money-like text with
// separators, ¥ or 万 (io::clean_amount, to the cent).
std::optional<double> parse_number(const std::string& t, std::string& why) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(t.c_str(), &end);
  if (errno == 0 && end && *end == '\0' && std::isfinite(d)) return d;
  auto a = io::clean_amount(t);
  if (a) return static_cast<double>(*a.value) / 100.0;
  why = a.problem;
  return std::nullopt;
}

std::optional<bool> parse_bool(const std::string& t) {
  std::string l = t;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* y : {"true", "yes", "y", "1", "是", "对", "√"})
    if (l == y) return true;
  for (const char* n : {"false", "no", "n", "0", "否", "不", "×"})
    if (l == n) return false;
  return std::nullopt;
}

CellResult date_cell(const std::string& t, bool instant) {
  auto d = io::clean_date(t);
  if (d) {
    const std::int64_t ms = *d.value * 86400000LL;
    return instant ? CellResult{Value(Timestamp{ms}), {}} : CellResult{Value(Date{ms}), {}};
  }
  // A date with a time of day ("2026-01-05 09:30", "2026-01-05T09:30+08:00").
  if (instant && t.find(':') != std::string::npos) {
    try {
      return {Value(parse_timestamp(t, "at")), {}};
    } catch (const ValidationError&) {
    }
  }
  return {std::nullopt, d.problem};
}

}  // namespace

CellResult clean_cell(const Target& t, const std::string& raw, const ImportOptions& options,
                      const UserDirectory& users) {
  auto text = io::clean_text(raw);
  if (!text) return {std::nullopt, text.problem};
  const std::string& s = *text.value;
  if (s.empty()) return {};
  switch (t.kind) {
    case Kind::Text:
    case Kind::Name:
    case Kind::CustomerRef: return {Value(s), {}};
    case Kind::Phone: {
      auto p = io::clean_phone(s, options.region);
      if (!p) return {std::nullopt, p.problem};
      return {Value(*p.value), {}};
    }
    case Kind::Email: {
      auto e = io::clean_email(s);
      if (!e) return {std::nullopt, e.problem};
      return {Value(*e.value), {}};
    }
    case Kind::Date: return date_cell(s, true);
    case Kind::Amount: {
      auto a = io::clean_amount(s);
      if (!a) return {std::nullopt, a.problem};
      return {Value(static_cast<double>(*a.value) / 100.0), {}};
    }
    case Kind::User: {
      auto id = users.find(s);
      if (!id) return {std::nullopt, "no user has the login or id '" + s + "'"};
      return {Value(*id), {}};
    }
    case Kind::Tags: return {Value(split_list(s)), {}};
    case Kind::Custom: break;
  }
  using schema::FieldType;
  std::string why;
  switch (t.custom->type) {
    case FieldType::Number: {
      auto d = parse_number(s, why);
      if (!d) return {std::nullopt, "not a number: " + why};
      return {Value(*d), {}};
    }
    case FieldType::Integer: {
      auto d = parse_number(s, why);
      if (!d) return {std::nullopt, "not a whole number: " + why};
      if (*d != std::floor(*d) || std::fabs(*d) > 9.0e15) return {std::nullopt, "not a whole number"};
      return {Value(static_cast<std::int64_t>(*d)), {}};
    }
    case FieldType::Bool: {
      auto b = parse_bool(s);
      if (!b) return {std::nullopt, "not yes/no (true, false, 是, 否, 1, 0)"};
      return {Value(*b), {}};
    }
    case FieldType::Date: return date_cell(s, false);
    case FieldType::DateTime: return date_cell(s, true);
    case FieldType::MultiEnum: return {Value(split_list(s)), {}};
    case FieldType::User: {
      auto id = users.find(s);
      if (!id) return {std::nullopt, "no user has the login or id '" + s + "'"};
      return {Value(*id), {}};
    }
    default: return {Value(s), {}};
  }
}

Report::Report(std::string entity, const io::RowSource& source, const ImportOptions& options) {
  out_.entity = std::move(entity);
  out_.encoding = source.encoding();
  out_.dry_run = options.dry_run;
  auto& p = out_.problems;
  p.add_column("row", ColumnType::Int);
  p.add_column("column", ColumnType::Text);
  p.add_column("value", ColumnType::Text);
  p.add_column("message", ColumnType::Text);
  auto& m = out_.matches;
  m.add_column("row", ColumnType::Int);
  m.add_column("customer_id", ColumnType::Int);
  m.add_column("record_id", ColumnType::Int);
  m.add_column("score", ColumnType::Float);
  m.add_column("rule", ColumnType::Text);
  m.add_column("action", ColumnType::Text);
}

void Report::problem(std::int64_t row, const std::string& column, const std::string& value,
                     const std::string& message) {
  auto& p = out_.problems;
  p.column(0).push_int(row);
  p.column(1).push_text(column);
  p.column(2).push_text(value);
  p.column(3).push_text(message);
  bad_rows_[row] = true;
}

void Report::match(std::int64_t row, std::optional<std::int64_t> customer_id, std::optional<std::int64_t> record_id,
                   double score, const std::string& rule, OnMatch action) {
  auto& m = out_.matches;
  m.column(0).push_int(row);
  m.column(1).push_opt(customer_id);
  m.column(2).push_opt(record_id);
  m.column(3).push_float(score);
  m.column(4).push_text(rule);
  m.column(5).push_text(action_name(action));
}

ImportReport Report::finish(bool committed) {
  out_.failed = static_cast<std::int64_t>(bad_rows_.size());
  out_.committed = committed;
  return std::move(out_);
}

void Progress::tick(std::int64_t rows) {
  if (!options_.on_progress) return;
  const auto total = source_.total();
  const auto done = source_.consumed();
  if (total == 0) {
    // Size unknown: every 1,000 rows.
    if (rows % 1000 == 0) options_.on_progress(static_cast<std::uint64_t>(rows), 0);
    return;
  }
  if (done >= next_) {
    options_.on_progress(done, total);
    next_ = done + std::max<std::uint64_t>(1, total / 100);
  }
}

void Progress::done(std::int64_t rows) {
  if (!options_.on_progress) return;
  const auto total = source_.total();
  if (total == 0)
    options_.on_progress(static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(rows));
  else
    options_.on_progress(total, total);
}

std::optional<std::int64_t> resolve_customer(const Context& ctx, const std::string& text, const ImportOptions& options,
                                             std::string& why) {
  char* end = nullptr;
  errno = 0;
  const long long id = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end && *end == '\0' && id > 0) {
    if (customers::owner_of(ctx, static_cast<std::int64_t>(id))) return id;
  }
  customers::CustomerKeys keys(ctx);
  auto one = [&](const char* kind, const std::string& key) -> std::optional<std::int64_t> {
    auto ids = keys.customers_with(kind, key);
    if (ids.size() == 1) return ids.front();
    if (ids.size() > 1) why = "'" + text + "' names " + std::to_string(ids.size()) + " customers (by " + kind + ")";
    return std::nullopt;
  };
  if (auto p = io::clean_phone(text, options.region))
    if (auto r = one("phone", *p.value)) return r;
  if (auto e = io::clean_email(text))
    if (auto r = one("email", *e.value)) return r;
  if (!why.empty()) return std::nullopt;
  if (auto r = one("name", io::company_key(text))) return r;
  if (!why.empty()) return std::nullopt;
  if (auto r = one("person", text::fold_key(text))) return r;
  if (why.empty()) why = "no customer has the id, phone, e-mail or name '" + text + "'";
  return std::nullopt;
}

}  // namespace internal

std::vector<std::string> Imports::targets(const std::string& entity) const {
  std::vector<std::string> out;
  for (const auto& b : internal::builtins_of(entity)) out.emplace_back(b.field);
  const auto custom = internal::custom_entity_of(entity);
  if (!custom.empty()) {
    const auto fields = schema::Fields(ctx_).of(custom);
    for (const auto& d : fields.defs()) out.push_back(d.name);
  }
  return out;
}

void Imports::check_mapping(const std::string& entity, const ImportOptions& options) const {
  const auto& builtins = internal::builtins_of(entity);
  const auto custom = internal::custom_entity_of(entity);
  db::Transaction tx(ctx_.db(), false);
  const auto fields = custom.empty() ? schema::FieldSet{} : schema::Fields(ctx_).of(custom);
  internal::resolve_mapping(options, builtins, fields, nullptr);
}

}  // namespace crmkit::imports
