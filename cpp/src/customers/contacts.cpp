#include "crmkit/customers/customers.hpp"
#include "crmkit/error.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/history.hpp"
#include "crmkit/text.hpp"
#include "customers_internal.h"
#include "search_internal.h"

namespace crmkit::customers {
namespace {

constexpr const char* kColumns =
    "id, customer_id, name, title, phone, email, created_at, updated_at, version, fields";

void apply_attr(Contact& c, const std::string& key, const Value& v) {
  if (key == "name")
    c.name = *text_attr(v, "name", text::kMaxName, true, std::nullopt);
  else if (key == "title")
    c.title = text_attr(v, "title", text::kMaxShort, false, std::nullopt);
  else if (key == "phone")
    c.phone = text_attr(v, "phone", text::kMaxPhone, false, std::nullopt);
  else if (key == "email")
    c.email = email_attr(v, std::nullopt);
  else
    throw ValidationError("unknown contact attribute '" + key + "' (use name, title, phone, email, fields)", key);
}

Contact read_contact(db::Stmt& q, const schema::FieldSet& fields) {
  Contact c;
  c.id = q.get_int(0);
  c.customer_id = q.get_int(1);
  c.name = q.get_text(2);
  c.title = q.get_opt_text(3);
  c.phone = q.get_opt_text(4);
  c.email = q.get_opt_text(5);
  c.created_at = Timestamp{q.get_int(6)};
  c.updated_at = Timestamp{q.get_int(7)};
  c.version = q.get_int(8);
  c.fields = fields.from_json(q.get_text(9));
  return c;
}

}  // namespace

Contact Contacts::add(std::int64_t customer_id, const ContactInput& input) {
  db::Transaction tx(ctx_.db());
  Customers(ctx_).require_visible(customer_id);
  auto rules = WriteRules::load(ctx_, "contact");
  Contact c;
  c.customer_id = customer_id;
  bool has_name = false;
  for (const auto& [key, v] : input.attrs) {
    apply_attr(c, key, v);
    has_name = has_name || key == "name";
  }
  if (!has_name) throw ValidationError("name is required", "name");
  c.fields = rules.fields.validate(input.fields, true, [&](std::int64_t id) { return rules.user_exists(id); });
  c.created_at = c.updated_at = Timestamp{ctx_.now()};
  ctx_.db()
      .prepare("INSERT INTO contacts(customer_id, name, title, phone, email, fields, created_at, updated_at) "
               "VALUES (?,?,?,?,?,?,?,?)")
      .bind_all(c.customer_id, c.name, c.title, c.phone, c.email, rules.fields.to_json(c.fields), c.created_at.ms,
                c.updated_at.ms)
      .exec();
  c.id = ctx_.db().last_insert_id();
  write_keys(ctx_, customer_id, c.id, keys_of(c));
  history::record(ctx_, "customer", customer_id, "contacts", std::nullopt, c.name);
  events::emit(ctx_, events::ChangeKind::Created, "contact", c.id, customer_id, {"name"});
  search_index::refresh(ctx_, customer_id);
  tx.commit();
  return c;
}

Contact Contacts::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto fields = schema::Fields(ctx_).of("contact");
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns + " FROM contacts WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("contact " + std::to_string(id) + " does not exist");
  Contact c = read_contact(q, fields);
  Customers(ctx_).require_visible(c.customer_id);
  return c;
}

Contact Contacts::update(std::int64_t id, const ContactInput& changes, std::optional<std::int64_t> expected_version) {
  db::Transaction tx(ctx_.db());
  Contact before = get(id);
  if (expected_version && *expected_version != before.version)
    throw Conflict("contact " + std::to_string(id) + " was changed by someone else (version " +
                   std::to_string(before.version) + ", expected " + std::to_string(*expected_version) +
                   "); reload and retry");
  auto rules = WriteRules::load(ctx_, "contact");
  Contact after = before;
  for (const auto& [key, v] : changes.attrs) apply_attr(after, key, v);
  for (auto& [k, v] : rules.fields.validate(changes.fields, false, [&](std::int64_t u) { return rules.user_exists(u); })) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
  std::vector<std::string> changed;
  auto note = [&](const char* field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a == b) return;
    history::record(ctx_, "contact", id, field, a, b);
    changed.push_back(field);
  };
  note("name", before.name, after.name);
  note("title", before.title, after.title);
  note("phone", before.phone, after.phone);
  note("email", before.email, after.email);
  for (const auto& def : rules.fields.defs()) {
    auto a = before.fields.find(def.name), b = after.fields.find(def.name);
    note(def.name.c_str(), a == before.fields.end() ? std::nullopt : std::optional(a->second.to_text()),
         b == after.fields.end() ? std::nullopt : std::optional(b->second.to_text()));
  }
  events::emit(ctx_, events::ChangeKind::Updated, "contact", id, before.customer_id, changed);
  after.version = before.version + 1;
  after.updated_at = Timestamp{ctx_.now()};
  ctx_.db()
      .prepare("UPDATE contacts SET name=?, title=?, phone=?, email=?, fields=?, updated_at=?, version=? WHERE id=?")
      .bind_all(after.name, after.title, after.phone, after.email, rules.fields.to_json(after.fields),
                after.updated_at.ms, after.version, id)
      .exec();
  if (before.name != after.name || before.phone != after.phone || before.email != after.email)
    search_index::refresh(ctx_, before.customer_id);
  if (before.phone != after.phone || before.email != after.email) write_keys(ctx_, after.customer_id, id, keys_of(after));
  tx.commit();
  return after;
}

void Contacts::remove(std::int64_t id) {
  db::Transaction tx(ctx_.db());
  Contact c = get(id);
  ctx_.db().prepare("DELETE FROM contacts WHERE id = ?").bind_all(id).exec();
  drop_keys(ctx_, c.customer_id, id);
  history::record(ctx_, "customer", c.customer_id, "contacts", c.name, std::nullopt);
  events::emit(ctx_, events::ChangeKind::Deleted, "contact", id, c.customer_id);
  search_index::refresh(ctx_, c.customer_id);
  tx.commit();
}

Table Contacts::list(std::int64_t customer_id) const {
  db::Transaction tx(ctx_.db(), false);
  Customers(ctx_).require_visible(customer_id);
  auto fields = schema::Fields(ctx_).of("contact");
  Table t;
  for (auto [n, ty] : {std::pair{"id", ColumnType::Int}, {"customer_id", ColumnType::Int}, {"name", ColumnType::Text},
                       {"title", ColumnType::Text}, {"phone", ColumnType::Text}, {"email", ColumnType::Text},
                       {"created_at", ColumnType::Time}, {"updated_at", ColumnType::Time},
                       {"version", ColumnType::Int}})
    t.add_column(n, ty);
  std::size_t first = add_field_columns(t, fields);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns + " FROM contacts WHERE customer_id = ? ORDER BY id");
  q.bind_all(customer_id);
  while (q.step()) {
    Contact c = read_contact(q, fields);
    t.column(0).push_int(c.id);
    t.column(1).push_int(c.customer_id);
    t.column(2).push_text(c.name);
    t.column(3).push_opt(c.title);
    t.column(4).push_opt(c.phone);
    t.column(5).push_opt(c.email);
    t.column(6).push_int(c.created_at.ms);
    t.column(7).push_int(c.updated_at.ms);
    t.column(8).push_int(c.version);
    push_field_values(t, first, fields, c.fields);
  }
  return t;
}

}  // namespace crmkit::customers
