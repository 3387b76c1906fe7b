#include <cmath>

#include <nlohmann/json.hpp>

#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/pipeline/catalog.hpp"
#include "crmkit/pipeline/opportunities.hpp"
#include "crmkit/schema/config_epoch.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/text.hpp"
#include "crmkit/customers/record_values.hpp"
#include "pipeline_internal.h"

namespace crmkit::pipeline {
namespace {

constexpr const char* kColumns =
    "id, opportunity_id, kind, title, amount_cents, discount, fields, locked_by_request, created_by, created_at, "
    "updated_at, version";

// Documents have no field definitions: their free-form values are stored as tagged JSON.
std::string fields_json(const std::map<std::string, Value>& fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : fields) {
    if (v.is<bool>())
      j[k] = v.as<bool>();
    else if (v.is<std::int64_t>())
      j[k] = v.as<std::int64_t>();
    else if (v.is<double>())
      j[k] = v.as<double>();
    else if (v.is<std::string>())
      j[k] = v.as<std::string>();
    else if (v.is<std::vector<std::string>>())
      j[k] = v.as<std::vector<std::string>>();
    else if (!v.is_null())
      j[k] = v.to_text();
  }
  return j.dump();
}

std::map<std::string, Value> fields_from_json(const std::string& text) {
  std::map<std::string, Value> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto& [k, v] : j.items()) {
    if (v.is_boolean())
      out[k] = v.get<bool>();
    else if (v.is_number_integer())
      out[k] = v.get<std::int64_t>();
    else if (v.is_number())
      out[k] = v.get<double>();
    else if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_array())
      out[k] = v.get<std::vector<std::string>>();
  }
  return out;
}

Document read_document(db::Stmt& q) {
  Document d;
  d.id = q.get_int(0);
  d.opportunity_id = q.get_int(1);
  d.kind = q.get_text(2);
  d.title = q.get_text(3);
  if (auto c = q.get_opt_int(4)) d.amount = static_cast<double>(*c) / 100.0;
  d.discount = q.get_opt_double(5);
  d.fields = fields_from_json(q.get_text(6));
  d.locked_by_request = q.get_opt_int(7);
  d.created_by = q.get_opt_int(8);
  d.created_at = Timestamp{q.get_int(9)};
  d.updated_at = Timestamp{q.get_int(10)};
  d.version = q.get_int(11);
  return d;
}

std::optional<Document> load(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + " FROM documents WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return read_document(q);
}

// The opportunity's owner decides who may see and change its documents.
void require_opportunity(const Context& ctx, std::int64_t opportunity_id, const char* action) {
  auto q = ctx.db().prepare("SELECT owner_id FROM opportunities WHERE id = ?");
  q.bind_all(opportunity_id);
  if (!q.step()) throw NotFound("opportunity " + std::to_string(opportunity_id) + " does not exist");
  if (!ctx.who->covers("opportunities", q.get_opt_int(0)))
    throw PermissionDenied("user '" + ctx.who->login + "' may not " + action + " documents of opportunity " +
                           std::to_string(opportunity_id) + ", which is outside the user's scope");
}

void apply_attr(Document& d, const std::string& key, const Value& v) {
  if (key == "title") {
    d.title = *customers::text_attr(v, "title", text::kMaxName, true, std::nullopt);
  } else if (key == "amount") {
    if (v.is_null())
      d.amount.reset();
    else
      d.amount = static_cast<double>(internal::to_cents(v, "amount")) / 100.0;
  } else if (key == "discount") {
    if (v.is_null()) {
      d.discount.reset();
    } else {
      double x = v.is<std::int64_t>() ? static_cast<double>(v.as<std::int64_t>()) : v.is<double>() ? v.as<double>() : -1;
      if (!(v.is<std::int64_t>() || v.is<double>()) || !(x >= 0.0 && x <= 1.0))
        throw ValidationError("discount: expected a fraction between 0 and 1 (0.2 for 20%)", "discount");
      d.discount = x;
    }
  } else {
    throw ValidationError("unknown document attribute '" + key + "' (use title, amount, discount, fields)", key);
  }
}

std::optional<std::int64_t> cents(const std::optional<double>& amount) {
  return amount ? std::optional(std::llround(*amount * 100.0)) : std::nullopt;
}

Document write(const Context& ctx, const Document& before, Document after, const std::optional<std::string>& reason,
               const ChangeObserver& observer) {
  RecordValues before_values;
  auto catalog = document_catalog(ctx, before.kind);
  if (observer) before_values = load_values(ctx, catalog, kDocumentFrom, before.id).value_or(RecordValues{});
  auto note = [&](const std::string& field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a != b) history::record(ctx, "document", before.id, field, a, b, reason);
  };
  auto num = [](const std::optional<double>& d) { return d ? std::optional(Value(*d).to_text()) : std::nullopt; };
  note("title", before.title, after.title);
  note("amount", num(before.amount), num(after.amount));
  note("discount", num(before.discount), num(after.discount));
  auto bj = fields_json(before.fields), aj = fields_json(after.fields);
  note("fields", bj, aj);
  after.version = before.version + 1;
  after.updated_at = Timestamp{ctx.now()};
  ctx.db()
      .prepare("UPDATE documents SET title=?, amount_cents=?, discount=?, fields=?, updated_at=?, version=? WHERE id=?")
      .bind_all(after.title, cents(after.amount), after.discount, aj, after.updated_at.ms, after.version, after.id)
      .exec();
  if (observer) {
    RecordChange change;
    change.entity = after.kind;
    change.id = after.id;
    change.before = std::move(before_values);
    change.after = load_values(ctx, catalog, kDocumentFrom, after.id).value_or(RecordValues{});
    change.actor = ctx.actor();
    observer(ctx, change);
    if (auto d = load(ctx, after.id)) return *d;
  }
  return after;
}

}  // namespace

namespace engine_side {

std::optional<Document> load_document(const Context& ctx, std::int64_t id) { return load(ctx, id); }

Document engine_update_document(const Context& ctx, std::int64_t id, const DocumentInput& changes,
                                const std::string& reason, const ChangeObserver& observer) {
  auto before = load(ctx, id);
  if (!before) throw NotFound("document " + std::to_string(id) + " does not exist");
  Document after = *before;
  for (const auto& [k, v] : changes.attrs) apply_attr(after, k, v);
  for (const auto& [k, v] : changes.fields) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
  return write(ctx, *before, after, reason, observer);
}

}  // namespace engine_side

void Documents::define_kind(const std::string& kind) {
  ctx_.require_admin("define document kinds");
  auto k = *text::clean(kind, "kind", text::kMaxShort, true);
  static const std::vector<std::string> reserved = {"opportunity", "customer", "lead", "contact", "document"};
  for (const auto& r : reserved)
    if (k == r) throw ValidationError("kind: '" + k + "' is an entity name, not a document kind", "kind");
  db::Transaction tx(ctx_.db());
  if (is_document_kind(ctx_, k)) throw Conflict("document kind '" + k + "' already exists");
  ctx_.db().prepare("INSERT INTO document_kinds(name, created_at) VALUES (?,?)").bind_all(k, ctx_.now()).exec();
  schema::config_changed(ctx_);
  tx.commit();
}

std::vector<std::string> Documents::kinds() const {
  db::Transaction tx(ctx_.db(), false);
  std::vector<std::string> out;
  auto q = ctx_.db().prepare("SELECT name FROM document_kinds ORDER BY name");
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

Document Documents::add(std::int64_t opportunity_id, const std::string& kind, const DocumentInput& input) {
  db::Transaction tx(ctx_.db());
  auto k = text::trim(kind);
  if (!is_document_kind(ctx_, k)) {
    std::string known;
    for (const auto& n : kinds()) known += (known.empty() ? "" : ", ") + n;
    throw ValidationError("kind: '" + k + "' is not a document kind (" + known + ")", "kind");
  }
  require_opportunity(ctx_, opportunity_id, "add");
  Document d;
  d.opportunity_id = opportunity_id;
  d.kind = k;
  bool has_title = false;
  for (const auto& [key, v] : input.attrs) {
    apply_attr(d, key, v);
    has_title = has_title || key == "title";
  }
  if (!has_title) throw ValidationError("title is required", "title");
  d.fields = input.fields;
  d.created_by = ctx_.actor();
  d.created_at = d.updated_at = Timestamp{ctx_.now()};
  auto insert = ctx_.db().prepare(
      "INSERT INTO documents(customer_id, opportunity_id, kind, title, amount_cents, discount, fields, created_by, "
      "created_at, updated_at) SELECT customer_id, id, ?, ?, ?, ?, ?, ?, ?, ? FROM opportunities WHERE id = ?");
  insert.bind_all(d.kind, d.title, cents(d.amount), d.discount, fields_json(d.fields), d.created_by,
                  d.created_at.ms, d.updated_at.ms, d.opportunity_id);
  const int inserted = insert.exec();
  CRMKIT_ASSERT(inserted == 1);  // require_opportunity found it, in this transaction
  d.id = ctx_.db().last_insert_id();
  if (observer_) {
    RecordChange change;
    change.entity = d.kind;
    change.id = d.id;
    change.created = true;
    change.after = load_values(ctx_, document_catalog(ctx_, d.kind), kDocumentFrom, d.id).value_or(RecordValues{});
    change.actor = ctx_.actor();
    observer_(ctx_, change);
    d = *load(ctx_, d.id);
  }
  tx.commit();
  return d;
}

Document Documents::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  auto d = load(ctx_, id);
  if (!d) throw NotFound("document " + std::to_string(id) + " does not exist");
  require_opportunity(ctx_, d->opportunity_id, "read");
  return *d;
}

Document Documents::update(std::int64_t id, const DocumentInput& changes, std::optional<std::int64_t> expected_version) {
  db::Transaction tx(ctx_.db());
  auto before = load(ctx_, id);
  if (!before) throw NotFound("document " + std::to_string(id) + " does not exist");
  require_opportunity(ctx_, before->opportunity_id, "change");
  if (expected_version && *expected_version != before->version)
    throw Conflict("document " + std::to_string(id) + " was changed by someone else (version " +
                   std::to_string(before->version) + ", expected " + std::to_string(*expected_version) +
                   "); reload and retry");
  if (before->locked_by_request)
    throw Conflict(before->kind + " " + std::to_string(id) + " is locked by approval request " +
                   std::to_string(*before->locked_by_request) +
                   "; it cannot be changed until the request is approved, rejected or recalled");
  Document after = *before;
  for (const auto& [k, v] : changes.attrs) apply_attr(after, k, v);
  for (const auto& [k, v] : changes.fields) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
  auto out = write(ctx_, *before, after, std::nullopt, observer_);
  tx.commit();
  return out;
}

Table Documents::list(std::int64_t opportunity_id) const {
  db::Transaction tx(ctx_.db(), false);
  require_opportunity(ctx_, opportunity_id, "read");
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_opp = t.add_column("opportunity_id", ColumnType::Int);
  auto c_kind = t.add_column("kind", ColumnType::Text);
  auto c_title = t.add_column("title", ColumnType::Text);
  auto c_amount = t.add_column("amount", ColumnType::Float);
  auto c_discount = t.add_column("discount", ColumnType::Float);
  auto c_lock = t.add_column("locked_by_request", ColumnType::Int);
  auto c_created = t.add_column("created_at", ColumnType::Time);
  auto c_updated = t.add_column("updated_at", ColumnType::Time);
  auto c_version = t.add_column("version", ColumnType::Int);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kColumns + " FROM documents WHERE opportunity_id = ? ORDER BY id");
  q.bind_all(opportunity_id);
  while (q.step()) {
    auto d = read_document(q);
    t.column(c_id).push_int(d.id);
    t.column(c_opp).push_int(d.opportunity_id);
    t.column(c_kind).push_text(d.kind);
    t.column(c_title).push_text(d.title);
    t.column(c_amount).push_opt(d.amount);
    t.column(c_discount).push_opt(d.discount);
    t.column(c_lock).push_opt(d.locked_by_request);
    t.column(c_created).push_int(d.created_at.ms);
    t.column(c_updated).push_int(d.updated_at.ms);
    t.column(c_version).push_int(d.version);
  }
  return t;
}

}  // namespace crmkit::pipeline
