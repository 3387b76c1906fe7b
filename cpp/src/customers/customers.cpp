#include "crmkit/customers/customers.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "crmkit/customers/catalog.hpp"
#include "crmkit/customers/hooks.hpp"
#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/io/clean.hpp"
#include "crmkit/log.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "customers_internal.h"
#include "search_internal.h"
#include "crmkit/customers/locks.hpp"
#include "crmkit/org/lookup.hpp"

namespace crmkit::customers {

// ---------------------------------------------------------------------------------------------
// Shared helpers

WriteRules WriteRules::load(const Context& ctx, const std::string& entity) {
  WriteRules r;
  r.fields = schema::Fields(ctx).of(entity);
  r.stages = schema::Stages(ctx, "lifecycle").names();
  r.users = org::user_ids(ctx);
  return r;
}

std::optional<std::string> text_attr(const Value& v, const std::string& field, std::size_t max_len, bool required,
                                     std::optional<std::int64_t> row) {
  if (v.is_null()) {
    if (required) throw ValidationError((row ? "row " + std::to_string(*row) + ": " : "") + field + " is required",
                                        field, row);
    return std::nullopt;
  }
  if (!v.is<std::string>())
    throw ValidationError((row ? "row " + std::to_string(*row) + ": " : "") + field + ": expected text, got " +
                              v.type_name(),
                          field, row);
  return text::clean(v.as<std::string>(), field, max_len, required, row);
}

std::optional<std::string> email_attr(const Value& v, std::optional<std::int64_t> row) {
  auto e = text_attr(v, "email", text::kMaxEmail, false, row);
  if (!e) return e;
  // The one shape check of e-mails (also of imports and identity keys); stored lower-cased.
  auto cleaned = io::clean_email(*e);
  if (!cleaned)
    throw ValidationError((row ? "row " + std::to_string(*row) + ": " : "") + "email: '" + *e +
                              "' is not an email address (" + cleaned.problem + ")",
                          "email", row);
  return cleaned.value;
}

ColumnType column_type(schema::FieldType t) {
  using schema::FieldType;
  switch (t) {
    case FieldType::Number: return ColumnType::Float;
    case FieldType::Integer:
    case FieldType::User: return ColumnType::Int;
    case FieldType::Bool: return ColumnType::Bool;
    case FieldType::Date: return ColumnType::Date;
    case FieldType::DateTime: return ColumnType::Time;
    case FieldType::MultiEnum: return ColumnType::TextList;
    default: return ColumnType::Text;
  }
}

std::size_t add_field_columns(Table& t, const schema::FieldSet& fields) {
  std::size_t first = t.width();
  for (const auto& d : fields.defs()) t.add_column(d.name, column_type(d.type));
  return first;
}

void push_field_values(Table& t, std::size_t first, const schema::FieldSet& fields,
                       const std::map<std::string, Value>& values) {
  for (std::size_t i = 0; i < fields.defs().size(); ++i) {
    auto it = values.find(fields.defs()[i].name);
    if (it == values.end())
      t.column(first + i).push_null();
    else
      t.column(first + i).push_value(it->second);
  }
}

namespace {

constexpr const char* kEntity = "customers";
constexpr const char* kColumns =
    "c.id, c.name, c.kind, c.industry, c.owner_id, c.source, c.phone, c.email, c.stage, c.fields, c.created_by, "
    "c.created_at, c.updated_at, c.version";
constexpr int kColumnCount = 14;  // the columns of kColumns

std::string row_prefix(std::optional<std::int64_t> row) {
  return row ? "row " + std::to_string(*row) + ": " : "";
}

std::string describe(const org::Principal& who) {
  return "user '" + who.login + "' (role " + who.role + ", customers scope " + org::scope_name(who.scope(kEntity)) +
         ")";
}

std::string owner_text(const std::optional<std::int64_t>& o) { return o ? std::to_string(*o) : ""; }

std::vector<std::string> clean_tags(const std::vector<std::string>& tags, std::optional<std::int64_t> row) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    auto c = *text::clean(t, "tags", text::kMaxTag, true, row);
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Applies one built-in attribute to `c`, validating it.
void apply_attr(Customer& c, const std::string& key, const Value& v, const WriteRules& rules,
                std::optional<std::int64_t> row) {
  if (key == "name") {
    c.name = *text_attr(v, "name", text::kMaxName, true, row);
  } else if (key == "kind") {
    auto k = text_attr(v, "kind", text::kMaxShort, true, row);
    if (*k != "company" && *k != "person")
      throw ValidationError(row_prefix(row) + "kind: '" + *k + "' is not a customer kind (company or person)", "kind",
                            row);
    c.kind = *k;
  } else if (key == "industry") {
    c.industry = text_attr(v, "industry", text::kMaxShort, false, row);
  } else if (key == "source") {
    c.source = text_attr(v, "source", text::kMaxShort, false, row);
  } else if (key == "phone") {
    c.phone = text_attr(v, "phone", text::kMaxPhone, false, row);
  } else if (key == "email") {
    c.email = email_attr(v, row);
  } else if (key == "owner" || key == "owner_id") {
    if (v.is_null()) {
      c.owner_id.reset();
    } else if (!v.is<std::int64_t>()) {
      throw ValidationError(row_prefix(row) + "owner: expected a user or user id, got " + v.type_name(), "owner", row);
    } else {
      if (!rules.user_exists(v.as<std::int64_t>()))
        throw ValidationError(row_prefix(row) + "owner: user " + std::to_string(v.as<std::int64_t>()) +
                                  " does not exist",
                              "owner", row);
      c.owner_id = v.as<std::int64_t>();
    }
  } else if (key == "stage") {
    auto s = text_attr(v, "stage", text::kMaxShort, true, row);
    if (std::find(rules.stages.begin(), rules.stages.end(), *s) == rules.stages.end()) {
      std::string known;
      for (const auto& n : rules.stages) known += (known.empty() ? "" : ", ") + n;
      throw ValidationError(row_prefix(row) + "stage: '" + *s + "' is not a lifecycle stage (" + known + ")", "stage",
                            row);
    }
    c.stage = *s;
  } else {
    throw ValidationError(row_prefix(row) + "unknown customer attribute '" + key +
                              "' (use name, kind, industry, owner, source, phone, email, stage, tags, fields)",
                          key, row);
  }
}

// Builds a new customer from `input` and checks it against the rules and the principal's scope.
Customer build_new(const Context& ctx, const CustomerInput& input, const WriteRules& rules,
                   std::optional<std::int64_t> row) {
  Customer c;
  c.stage = rules.stages.empty() ? "prospect" : rules.stages.front();
  if (!ctx.who->is_system()) c.owner_id = ctx.who->user_id;  // a rep's new customer is theirs
  bool has_name = false;
  for (const auto& [key, v] : input.attrs) {
    apply_attr(c, key, v, rules, row);
    has_name = has_name || key == "name";
  }
  if (!has_name) throw ValidationError(row_prefix(row) + "name is required", "name", row);
  c.fields = rules.fields.validate(input.fields, true, [&](std::int64_t id) { return rules.user_exists(id); }, row);
  if (input.tags) c.tags = clean_tags(*input.tags, row);
  if (!ctx.who->covers(kEntity, c.owner_id))
    throw PermissionDenied(row_prefix(row) + describe(*ctx.who) + " may not create a customer owned by " +
                           (c.owner_id ? "user " + std::to_string(*c.owner_id) : std::string("nobody (the pool)")));
  c.created_by = ctx.actor();
  c.created_at = c.updated_at = Timestamp{ctx.now()};
  return c;
}

// The fields a new customer has values for: what its "created" event names.
std::vector<std::string> set_fields(const Customer& c) {
  std::vector<std::string> out = {"kind", "name", "stage"};
  if (c.industry) out.push_back("industry");
  if (c.owner_id) out.push_back("owner_id");
  if (c.source) out.push_back("source");
  if (c.phone) out.push_back("phone");
  if (c.email) out.push_back("email");
  for (const auto& [k, v] : c.fields)
    if (!v.is_null()) out.push_back(k);
  if (!c.tags.empty()) out.push_back("tags");
  return out;
}

void insert(const Context& ctx, Customer& c, const WriteRules& rules) {
  auto ins = ctx.db().prepare(
      "INSERT INTO customers(name, kind, industry, owner_id, source, phone, email, stage, fields, created_by, "
      "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind_all(c.name, c.kind, c.industry, c.owner_id, c.source, c.phone, c.email, c.stage,
               rules.fields.to_json(c.fields), c.created_by, c.created_at.ms, c.updated_at.ms);
  ins.exec();
  c.id = ctx.db().last_insert_id();
  notify_created(ctx, c.id, c.id, c.created_at.ms);
  events::customer(ctx, events::ChangeKind::Created, c.id, set_fields(c));
  search_index::add_new(ctx, {c});
  write_keys(ctx, c.id, 0, keys_of(c));
  if (c.tags.empty()) return;
  auto tag = ctx.db().prepare("INSERT INTO customer_tags(customer_id, tag) VALUES (?,?) ON CONFLICT DO NOTHING");
  for (const auto& t : c.tags) {
    tag.bind_all(c.id, t);
    tag.exec();
    tag.reset();
  }
}


// The stored JSON of custom field values, as FieldSet::to_json writes it (keys in order, nulls
// left out), without building a JSON document per row: on a bulk insert that document was a
// large share of the engine's time per customer. Numbers and lists, whose text form is subtler,
// go through FieldSet::to_json.
std::string fields_json(const std::map<std::string, Value>& values, const schema::FieldSet& fields) {
  std::string out = "{";
  for (const auto& [name, v] : values) {
    if (v.is_null()) continue;
    if (out.size() > 1) out += ',';
    text::append_json_string(out, name);
    out += ':';
    if (v.is<std::string>()) text::append_json_string(out, v.as<std::string>());
    else if (v.is<std::int64_t>()) out += std::to_string(v.as<std::int64_t>());
    else if (v.is<bool>()) out += v.as<bool>() ? "true" : "false";
    else if (v.is<Date>()) out += std::to_string(v.as<Date>().ms);
    else if (v.is<Timestamp>()) out += std::to_string(v.as<Timestamp>().ms);
    else return fields.to_json(values);
  }
  out += '}';
  return out;
}

// Rows per multi-row INSERT: fewer statement executions, within SQLite's parameter limit.
constexpr std::size_t kInsertChunk = 64;
constexpr int kCustomerParams = 12;

std::string customers_insert_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO customers(name, kind, industry, owner_id, source, phone, email, stage, fields, created_by, "
      "created_at, updated_at) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?,?)";
  return sql;
}

std::string tags_insert_sql(std::size_t rows) {
  std::string sql = "INSERT INTO customer_tags(customer_id, tag) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?)" : "(?,?)";
  sql += " ON CONFLICT DO NOTHING";
  return sql;
}

// The bulk write of already validated customers: multi-row INSERTs for the customers and their
// tags, the creation hooks (the facts rows) once for the whole range of new ids, and one
// change-feed record per customer whose field list is interned once per distinct shape of row.
// Sets each row's id; returns the ids.
// `known_keys`, when given, holds each row's identity keys as the caller computed them.
std::vector<std::int64_t> insert_many(const Context& ctx, std::vector<Customer>& rows, const WriteRules& rules,
                                      const std::vector<const IdentityKeys*>* known_keys = nullptr) {
  auto& db = ctx.db();
  std::vector<std::int64_t> ids;
  ids.reserve(rows.size());
  const std::string full_sql = customers_insert_sql(kInsertChunk);
  for (std::size_t done = 0; done < rows.size();) {
    const std::size_t n = std::min(kInsertChunk, rows.size() - done);
    auto ins = db.prepare(n == kInsertChunk ? full_sql : customers_insert_sql(1));
    const std::size_t count = n == kInsertChunk ? n : 1;
    int b = 0;
    for (std::size_t k = done; k < done + count; ++k) {
      const Customer& c = rows[k];
      ins.bind(b + 1, c.name).bind(b + 2, c.kind).bind(b + 3, c.industry).bind(b + 4, c.owner_id);
      ins.bind(b + 5, c.source).bind(b + 6, c.phone).bind(b + 7, c.email).bind(b + 8, c.stage);
      ins.bind(b + 9, fields_json(c.fields, rules.fields)).bind(b + 10, c.created_by).bind(b + 11, c.created_at.ms);
      ins.bind(b + 12, c.updated_at.ms);
      b += kCustomerParams;
    }
    static_assert(kCustomerParams * kInsertChunk < 32766);
    ins.exec();
    // Under the write lock, one INSERT's rows take consecutive new ids (AUTOINCREMENT never
    // reuses or skips within a transaction), ending at the last inserted rowid.
    const std::int64_t last = db.last_insert_id();
    for (std::size_t k = 0; k < count; ++k) {
      rows[done + k].id = last - static_cast<std::int64_t>(count - 1 - k);
      ids.push_back(rows[done + k].id);
    }
    done += count;
  }
  if (rows.empty()) return ids;
  search_index::add_new(ctx, rows);
  notify_created(ctx, ids.front(), ids.back(), rows.front().created_at.ms);
  {
    std::vector<KeyRow> keys;
    keys.reserve(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto k = known_keys ? *(*known_keys)[r] : keys_of(rows[r]);
      if (!k.empty()) keys.push_back({rows[r].id, 0, std::move(k)});
    }
    write_keys_many(ctx, keys);
  }
  {
    std::vector<std::pair<std::int64_t, const std::string*>> tags;
    for (const auto& c : rows)
      for (const auto& t : c.tags) tags.emplace_back(c.id, &t);
    constexpr std::size_t kTagChunk = 256;
    const std::string full = tags_insert_sql(kTagChunk);
    for (std::size_t done = 0; done < tags.size();) {
      const std::size_t count = tags.size() - done >= kTagChunk ? kTagChunk : 1;
      auto ins = db.prepare(count == kTagChunk ? full : tags_insert_sql(1));
      int b = 0;
      for (std::size_t k = done; k < done + count; ++k, b += 2) ins.bind(b + 1, tags[k].first).bind(b + 2, *tags[k].second);
      ins.exec();
      done += count;
    }
  }
  // The "created" event of each row names the fields it sets; rows of the same shape share one
  // interned list (a bit per optional attribute and per custom field).
  auto& feed = db.feed();
  const auto& defs = rules.fields.defs();
  std::unordered_map<std::uint64_t, std::uint32_t> lists;
  const std::int64_t at = ctx.now();
  for (const auto& c : rows) {
    std::uint32_t list = 0;
    if (defs.size() <= 56) {
      std::uint64_t shape = (c.industry ? 1u : 0u) | (c.owner_id ? 2u : 0u) | (c.source ? 4u : 0u) |
                            (c.phone ? 8u : 0u) | (c.email ? 16u : 0u) | (c.tags.empty() ? 0u : 32u);
      for (std::size_t d = 0; d < defs.size(); ++d) {
        auto it = c.fields.find(defs[d].name);
        if (it != c.fields.end() && !it->second.is_null()) shape |= std::uint64_t{1} << (6 + d);
      }
      auto [it, fresh] = lists.try_emplace(shape, 0);
      if (fresh) it->second = feed.fields_id(set_fields(c));
      list = it->second;
    } else {
      list = feed.fields_id(set_fields(c));
    }
    feed.record_interned(db, at, events::ChangeKind::Created, "customer", c.id, c.id, list);
  }
  return ids;
}

Customer read_customer(db::Stmt& q, const schema::FieldSet& fields) {
  Customer c;
  c.id = q.get_int(0);
  c.name = q.get_text(1);
  c.kind = q.get_text(2);
  c.industry = q.get_opt_text(3);
  c.owner_id = q.get_opt_int(4);
  c.source = q.get_opt_text(5);
  c.phone = q.get_opt_text(6);
  c.email = q.get_opt_text(7);
  c.stage = q.get_text(8);
  c.fields = fields.from_json(q.get_text(9));
  c.created_by = q.get_opt_int(10);
  c.created_at = Timestamp{q.get_int(11)};
  c.updated_at = Timestamp{q.get_int(12)};
  c.version = q.get_int(13);
  return c;
}

// Loads a customer regardless of scope (callers decide what a scope violation means).
std::optional<Customer> load(const Context& ctx, std::int64_t id, const schema::FieldSet& fields) {
  // The record and its facts in one query: a read of one customer is on every hot path.
  const FactsReader* facts = facts_reader(ctx);
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + (facts ? ", " + facts->columns : std::string()) +
                            " FROM customers c" + (facts ? facts->join : std::string()) + " WHERE c.id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  Customer c = read_customer(q, fields);
  if (facts) c.facts = facts->read(q, kColumnCount, ctx.now());
  auto t = ctx.db().prepare("SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag");
  t.bind_all(id);
  while (t.step()) c.tags.push_back(t.get_text(0));
  return c;
}

// Loads a customer the principal may act on, or throws NotFound / PermissionDenied.
Customer load_in_scope(const Context& ctx, std::int64_t id, const schema::FieldSet& fields, const char* action) {
  auto c = load(ctx, id, fields);
  if (!c) throw NotFound("customer " + std::to_string(id) + " does not exist");
  if (!ctx.who->covers(kEntity, c->owner_id))
    throw PermissionDenied(describe(*ctx.who) + " may not " + action + " customer " + std::to_string(id) +
                           ", which is outside the user's scope");
  return *c;
}

bool same_content(const Customer& a, const Customer& b) {
  return a.name == b.name && a.kind == b.kind && a.industry == b.industry && a.owner_id == b.owner_id &&
         a.source == b.source && a.phone == b.phone && a.email == b.email && a.stage == b.stage && a.tags == b.tags &&
         a.fields == b.fields;
}

void check_version(const Customer& c, std::optional<std::int64_t> expected) {
  if (expected && *expected != c.version)
    throw Conflict("customer " + std::to_string(c.id) + " was changed by someone else (version " +
                   std::to_string(c.version) + ", expected " + std::to_string(*expected) + "); reload and retry");
}

// Writes `after` over `before`, recording every changed field in history.
void write_changes(const Context& ctx, const Customer& before, Customer& after, const WriteRules& rules,
                   const std::optional<std::string>& reason) {
  std::vector<std::string> changed;
  auto note = [&](const std::string& field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a == b) return;
    history::record(ctx, "customer", before.id, field, a, b, reason);
    changed.push_back(field);
  };
  note("name", before.name, after.name);
  note("kind", before.kind, after.kind);
  note("industry", before.industry, after.industry);
  note("owner_id", before.owner_id ? std::optional(owner_text(before.owner_id)) : std::nullopt,
       after.owner_id ? std::optional(owner_text(after.owner_id)) : std::nullopt);
  note("source", before.source, after.source);
  note("phone", before.phone, after.phone);
  note("email", before.email, after.email);
  note("stage", before.stage, after.stage);
  for (const auto& def : rules.fields.defs()) {
    auto a = before.fields.find(def.name);
    auto b = after.fields.find(def.name);
    std::optional<std::string> av, bv;
    if (a != before.fields.end() && !a->second.is_null()) av = a->second.to_text();
    if (b != after.fields.end() && !b->second.is_null()) bv = b->second.to_text();
    note(def.name, av, bv);
  }
  for (const auto& t : before.tags)
    if (std::find(after.tags.begin(), after.tags.end(), t) == after.tags.end()) {
      ctx.db().prepare("DELETE FROM customer_tags WHERE customer_id = ? AND tag = ?").bind_all(before.id, t).exec();
      history::record(ctx, "customer", before.id, "tags", t, std::nullopt, reason);
    }
  for (const auto& t : after.tags)
    if (std::find(before.tags.begin(), before.tags.end(), t) == before.tags.end()) {
      ctx.db().prepare("INSERT INTO customer_tags(customer_id, tag) VALUES (?,?)").bind_all(before.id, t).exec();
      history::record(ctx, "customer", before.id, "tags", std::nullopt, t, reason);
    }
  if (before.tags != after.tags) changed.push_back("tags");
  events::customer(ctx, events::ChangeKind::Updated, before.id, changed);
  after.version = before.version + 1;
  after.updated_at = Timestamp{ctx.now()};
  ctx.db()
      .prepare("UPDATE customers SET name=?, kind=?, industry=?, owner_id=?, source=?, phone=?, email=?, stage=?, "
               "fields=?, updated_at=?, version=? WHERE id=?")
      .bind_all(after.name, after.kind, after.industry, after.owner_id, after.source, after.phone, after.email,
                after.stage, rules.fields.to_json(after.fields), after.updated_at.ms, after.version, after.id)
      .exec();
  if (before.name != after.name || before.phone != after.phone || before.email != after.email)
    search_index::refresh(ctx, before.id);
  if (before.phone != after.phone || before.email != after.email || before.name != after.name ||
      before.kind != after.kind)
    write_keys(ctx, after.id, 0, keys_of(after));
}

// The WHERE clause of find/count, with its parameters appended to `params`.
std::string where_clause(const Context& ctx, const CustomerQuery& q, std::vector<Value>& params) {
  auto scope = ctx.who->owner_filter(kEntity, "c.owner_id");
  std::string w = scope.sql;
  for (auto id : scope.params) params.emplace_back(id);
  if (q.name_contains) {
    w += " AND " + ctx.db().dialect().position_function() + "(c.name, ?) > 0";
    params.emplace_back(text::trim(*q.name_contains));
  }
  if (q.tag) {
    w += " AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)";
    params.emplace_back(text::trim(*q.tag));
  }
  if (q.owner) {
    w += " AND c.owner_id = ?";
    params.emplace_back(*q.owner);
  }
  if (q.unowned) w += " AND c.owner_id IS NULL";
  if (q.team) {
    // The team's members are resolved first, so the query carries a plain list of owners (ids
    // are integers: written into the SQL, they cannot inject anything or meet a parameter limit).
    std::string members;
    for (std::int64_t id : org::team_member_ids(ctx, *q.team)) members += (members.empty() ? "" : ",") + std::to_string(id);
    w += " AND c.owner_id IN (" + (members.empty() ? std::string("NULL") : members) + ")";
  }
  auto eq = [&](const std::optional<std::string>& v, const char* col) {
    if (!v) return;
    w += std::string(" AND ") + col + " = ?";
    params.emplace_back(text::trim(*v));
  };
  eq(q.stage, "c.stage");
  eq(q.industry, "c.industry");
  eq(q.kind, "c.kind");
  eq(q.source, "c.source");
  if (q.after_id) {
    w += " AND c.id > ?";
    params.emplace_back(*q.after_id);
  }
  if (q.where) {
    auto compiled = compile_customer_rule(ctx, *q.where);
    w += " AND (" + compiled.sql + ")";
    for (const auto& v : compiled.params) {
      if (v.is_null()) params.emplace_back();
      else if (v.is_bool()) params.emplace_back(v.as_bool());
      else if (v.is_int()) params.emplace_back(v.as_int());
      else if (v.is_double()) params.emplace_back(v.as_double());
      else params.emplace_back(v.as_string());
    }
  }
  return w;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Customers

Customer Customers::add(const CustomerInput& input) {
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  Customer c = build_new(ctx_, input, rules, std::nullopt);
  insert(ctx_, c, rules);
  tx.commit();
  log::logger().debug("customers.add id={}", c.id);
  return c;
}

std::vector<std::int64_t> Customers::add_many(const std::vector<CustomerInput>& inputs) {
  db::BulkWrite bulk(ctx_.db());
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  // Rows are checked and written a block at a time: the multi-row statements need whole blocks,
  // and holding every checked row of a million-row call at once cost a gigabyte. A bad row in a
  // later block rolls the earlier blocks back with the transaction.
  constexpr std::size_t kBlock = 65536;
  std::vector<std::int64_t> ids;
  ids.reserve(inputs.size());
  std::vector<Customer> rows;
  for (std::size_t first = 0; first < inputs.size(); first += kBlock) {
    const std::size_t last = std::min(inputs.size(), first + kBlock);
    rows.clear();
    rows.reserve(last - first);
    for (std::size_t i = first; i < last; ++i)
      rows.push_back(build_new(ctx_, inputs[i], rules, static_cast<std::int64_t>(i)));
    const auto block = insert_many(ctx_, rows, rules);
    ids.insert(ids.end(), block.begin(), block.end());
  }
  tx.commit();
  log::logger().debug("customers.add_many count={}", ids.size());
  return ids;
}

BatchAdd Customers::add_valid(const std::vector<CustomerInput>& inputs, bool check_only,
                              const std::vector<IdentityKeys>* keys) {
  if (keys && keys->size() != inputs.size())
    throw std::logic_error("add_valid: keys must be as many as inputs");
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  constexpr std::size_t kBlock = 65536;
  BatchAdd out;
  out.ids.resize(inputs.size());
  std::vector<Customer> rows;
  std::vector<std::size_t> index;
  for (std::size_t first = 0; first < inputs.size(); first += kBlock) {
    const std::size_t last = std::min(inputs.size(), first + kBlock);
    rows.clear();
    index.clear();
    for (std::size_t i = first; i < last; ++i) {
      const auto row = static_cast<std::int64_t>(i);
      try {
        rows.push_back(build_new(ctx_, inputs[i], rules, row));
        index.push_back(i);
      } catch (const ValidationError& e) {
        out.rejected.push_back({row, e.field(), e.what()});
      } catch (const PermissionDenied& e) {
        out.rejected.push_back({row, "owner", e.what()});
      }
    }
    if (check_only) continue;
    std::vector<const IdentityKeys*> row_keys;
    if (keys)
      for (auto i : index) row_keys.push_back(&(*keys)[i]);
    const auto block = insert_many(ctx_, rows, rules, keys ? &row_keys : nullptr);
    for (std::size_t k = 0; k < block.size(); ++k) out.ids[index[k]] = block[k];
  }
  if (check_only) return out;
  tx.commit();
  log::logger().debug("customers.add_valid count={} rejected={}", inputs.size() - out.rejected.size(),
                      out.rejected.size());
  return out;
}

Customer Customers::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto fields = schema::Fields(ctx_).of("customer");
  return load_in_scope(ctx_, id, fields, "read");
}

void Customers::require_visible(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT owner_id FROM customers WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("customer " + std::to_string(id) + " does not exist");
  if (!ctx_.who->covers(kEntity, q.get_opt_int(0)))
    throw PermissionDenied(describe(*ctx_.who) + " may not read customer " + std::to_string(id) +
                           ", which is outside the user's scope");
}

Customer Customers::update(std::int64_t id, const CustomerInput& changes, std::optional<std::int64_t> expected_version) {
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  Customer before = load_in_scope(ctx_, id, rules.fields, "change");
  require_unlocked(ctx_, id, "be changed");
  check_version(before, expected_version);
  Customer after = before;
  for (const auto& [key, v] : changes.attrs) apply_attr(after, key, v, rules, std::nullopt);
  auto fields = rules.fields.validate(changes.fields, false, [&](std::int64_t u) { return rules.user_exists(u); });
  for (auto& [k, v] : fields) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
  if (changes.tags) after.tags = clean_tags(*changes.tags, std::nullopt);
  if (after.owner_id != before.owner_id && !ctx_.who->covers(kEntity, after.owner_id))
    throw PermissionDenied(describe(*ctx_.who) + " may not hand customer " + std::to_string(id) + " to " +
                           (after.owner_id ? "user " + std::to_string(*after.owner_id) : std::string("the pool")));
  // An update that changes nothing writes nothing: no new version, no history.
  if (!same_content(before, after)) write_changes(ctx_, before, after, rules, std::nullopt);
  tx.commit();
  return after;
}

void Customers::remove(std::int64_t id, std::optional<std::int64_t> expected_version) {
  db::Transaction tx(ctx_.db());
  auto fields = schema::Fields(ctx_).of("customer");
  Customer c = load_in_scope(ctx_, id, fields, "delete");
  require_unlocked(ctx_, id, "be deleted");
  check_version(c, expected_version);
  ctx_.db().prepare("DELETE FROM customers WHERE id = ?").bind_all(id).exec();
  history::record(ctx_, "customer", id, "deleted", c.name, std::nullopt);
  events::customer(ctx_, events::ChangeKind::Deleted, id);
  search_index::remove(ctx_, id);
  tx.commit();
  log::logger().debug("customers.delete id={}", id);
}

Table Customers::find(const CustomerQuery& query) const {
  paging::check(query.limit, query.offset); paging::check_cursor(query.after_id);
  db::Transaction tx(ctx_.db(), false);
  auto fields = schema::Fields(ctx_).of("customer");
  std::vector<Value> params;
  // Custom fields are unpacked by the database's JSON functions, one column each, rather than by
  // parsing every row's JSON in C++: for large pages this is the difference between reading and
  // re-parsing. Field names are identifiers (checked when defined), safe inside the SQL.
  std::string select = std::string("SELECT ") + kColumns;
  for (const auto& def : fields.defs()) select += ", " + ctx_.db().dialect().json_value("c.fields", def.name);
  std::string where = where_clause(ctx_, query, params);
  auto q = ctx_.db().prepare(select + std::string(" FROM ") + rule_from(ctx_) + " WHERE " + where + " ORDER BY c.id LIMIT ? OFFSET ?");
  int i = 0;
  for (const auto& p : params) q.bind(++i, p);
  q.bind(++i, query.limit);
  q.bind(++i, std::max<std::int64_t>(query.offset, 0));

  Table t;
  for (auto [n, ty] : {std::pair{"id", ColumnType::Int}, {"name", ColumnType::Text}, {"kind", ColumnType::Text},
                       {"industry", ColumnType::Text}, {"owner_id", ColumnType::Int}, {"source", ColumnType::Text},
                       {"phone", ColumnType::Text}, {"email", ColumnType::Text}, {"stage", ColumnType::Text},
                       {"tags", ColumnType::TextList}, {"version", ColumnType::Int},
                       {"created_at", ColumnType::Time}, {"updated_at", ColumnType::Time}})
    t.add_column(n, ty);
  std::size_t first_field = add_field_columns(t, fields);
  const int first_field_col = 14;
  while (q.step()) {
    t.column(0).push_int(q.get_int(0));
    t.column(1).push_text(q.get_text(1));
    t.column(2).push_text(q.get_text(2));
    t.column(3).push_opt(q.get_opt_text(3));
    t.column(4).push_opt(q.get_opt_int(4));
    t.column(5).push_opt(q.get_opt_text(5));
    t.column(6).push_opt(q.get_opt_text(6));
    t.column(7).push_opt(q.get_opt_text(7));
    t.column(8).push_text(q.get_text(8));
    t.column(9).push_list({});
    t.column(10).push_int(q.get_int(13));
    t.column(11).push_int(q.get_int(11));
    t.column(12).push_int(q.get_int(12));
    for (std::size_t f = 0; f < fields.defs().size(); ++f) {
      int col = first_field_col + static_cast<int>(f);
      Column& out = t.column(first_field + f);
      if (q.is_null(col)) {
        out.push_null();
        continue;
      }
      switch (fields.defs()[f].type) {
        case schema::FieldType::Number: out.push_float(q.get_double(col)); break;
        case schema::FieldType::Text:
        case schema::FieldType::Enum: out.push_text(q.get_text(col)); break;
        case schema::FieldType::MultiEnum: {
          auto items = nlohmann::json::parse(q.get_text(col), nullptr, false);
          if (items.is_array()) {
            std::vector<std::string> list;
            for (const auto& item : items)
              if (item.is_string()) list.push_back(item.get<std::string>());
            out.push_list(std::move(list));
          } else {
            out.push_null();
          }
          break;
        }
        default: out.push_int(q.get_int(col));
      }
    }
  }
  if (const FactsReader* facts = facts_reader(ctx_)) facts->add_columns(ctx_, t);
  std::size_t n = t.rows();
  if (n == 0) return t;
  // Tags of the page: every matching row lies between the first and last id of the page, so the
  // same filter bounded by that range selects exactly the page's customers.
  const auto& ids = t.column(0).ints;
  std::unordered_map<std::int64_t, std::size_t> row_of;
  row_of.reserve(n);
  for (std::size_t r = 0; r < n; ++r) row_of[ids[r]] = r;
  std::vector<Value> tag_params;
  std::string tag_where = where_clause(ctx_, query, tag_params);
  auto tq = ctx_.db().prepare("SELECT t.customer_id, t.tag FROM customer_tags t JOIN customers c ON c.id = t.customer_id" +
                              rule_joins(ctx_) + " WHERE " + tag_where + " AND c.id BETWEEN ? AND ? ORDER BY t.customer_id, t.tag");
  int k = 0;
  for (const auto& p : tag_params) tq.bind(++k, p);
  tq.bind(++k, ids.front());
  tq.bind(++k, ids.back());
  auto& tags = t.column(9).lists;
  while (tq.step()) {
    auto it = row_of.find(tq.get_int(0));
    if (it != row_of.end()) tags[it->second].push_back(tq.get_text(1));
  }
  return t;
}

std::int64_t Customers::count(const CustomerQuery& query) const {
  paging::check(query.limit, query.offset); paging::check_cursor(query.after_id);
  db::Transaction tx(ctx_.db(), false);
  std::vector<Value> params;
  std::string where = where_clause(ctx_, query, params);
  auto q = ctx_.db().prepare("SELECT count(*) FROM " + rule_from(ctx_) + " WHERE " + where);
  int i = 0;
  for (const auto& p : params) q.bind(++i, p);
  q.step();
  std::int64_t n = q.get_int(0);
  n = std::max<std::int64_t>(0, n - std::max<std::int64_t>(query.offset, 0));
  return query.limit >= 0 ? std::min(n, query.limit) : n;
}

Customer Customers::tag(std::int64_t id, const std::string& tag, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  Customer before = load_in_scope(ctx_, id, rules.fields, "tag");
  require_unlocked(ctx_, id, "be tagged");
  Customer after = before;
  after.tags.push_back(*text::clean(tag, "tag", text::kMaxTag, true));
  after.tags = clean_tags(after.tags, std::nullopt);
  if (after.tags != before.tags) write_changes(ctx_, before, after, rules, reason);
  tx.commit();
  return after;
}

Customer Customers::untag(std::int64_t id, const std::string& tag, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  Customer before = load_in_scope(ctx_, id, rules.fields, "untag");
  require_unlocked(ctx_, id, "be untagged");
  Customer after = before;
  std::string t = text::trim(tag);
  after.tags.erase(std::remove(after.tags.begin(), after.tags.end(), t), after.tags.end());
  if (after.tags != before.tags) write_changes(ctx_, before, after, rules, reason);
  tx.commit();
  return after;
}

Customer Customers::set_stage(std::int64_t id, const std::string& stage, const std::optional<std::string>& reason) {
  db::Transaction tx(ctx_.db());
  auto rules = WriteRules::load(ctx_, "customer");
  Customer before = load_in_scope(ctx_, id, rules.fields, "change the stage of");
  require_unlocked(ctx_, id, "move to another stage");
  Customer after = before;
  apply_attr(after, "stage", Value{stage}, rules, std::nullopt);
  if (after.stage != before.stage) write_changes(ctx_, before, after, rules, reason);
  tx.commit();
  return after;
}

Table Customers::history(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto fields = schema::Fields(ctx_).of("customer");
  auto c = load(ctx_, id, fields);
  if (!c) {
    // A deleted customer's history stays readable to the system view.
    if (!ctx_.who->is_system()) throw NotFound("customer " + std::to_string(id) + " does not exist");
    return history::list(ctx_, "customer", id);
  }
  if (!ctx_.who->covers(kEntity, c->owner_id))
    throw PermissionDenied(describe(*ctx_.who) + " may not read customer " + std::to_string(id) +
                           ", which is outside the user's scope");
  return history::list(ctx_, "customer", id, c->created_at.ms, c->created_by);
}

}  // namespace crmkit::customers
