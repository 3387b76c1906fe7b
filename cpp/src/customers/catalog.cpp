#include "crmkit/customers/catalog.hpp"

#include <map>

#include "crmkit/error.hpp"
#include "crmkit/rules/evaluate.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/rules/sql.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"

namespace crmkit::customers {
namespace {

// The parts installed on one engine (see CatalogPart).
struct CatalogParts {
  std::vector<CatalogPart> parts;
};

const std::vector<CatalogPart>& parts(const Context& ctx) { return ctx.live().extension<CatalogParts>().parts; }

using rules::FieldInfo;
using rules::FieldType;

rules::Value column_value(const db::Stmt& q, int col) {
  switch (q.cell_type(col)) {
    case db::CellType::Integer: return rules::Value{q.get_int(col)};
    case db::CellType::Real: return rules::Value{q.get_double(col)};
    case db::CellType::Text: return rules::Value{q.get_text(col)};
    default: return rules::Value{};
  }
}

// One customer's values of the fields a rule uses, loaded in one query.
class LoadedRecord : public rules::Record {
 public:
  LoadedRecord(const Context& ctx, const rules::Rule& rule, std::int64_t id) : ctx_(ctx), id_(id) {
    std::string select = "SELECT c.id";
    int now_params = 0;
    for (const auto& f : rule.fields()) {
      const rules::ExpandedSql e = rules::expand_now(f.sql, "?");
      now_params += e.now_count;
      select += ", " + e.sql;
    }
    auto q = ctx.db().prepare(select + " FROM " + rule_from(ctx) + " WHERE c.id = ?");
    int i = 0;
    for (int k = 0; k < now_params; ++k) q.bind(++i, ctx.now());
    q.bind(++i, id);
    found_ = q.step();
    if (!found_) return;
    for (std::size_t k = 0; k < rule.fields().size(); ++k) {
      const FieldInfo& f = rule.fields()[k];
      rules::Value v = column_value(q, static_cast<int>(k) + 1);
      // A Record holds a multi_enum as its list (or NULL), as the compiled SQL reads the JSON.
      if (f.type == FieldType::MultiEnum && v.is_string()) v = rules::semantics::multi_enum_value(v.as_string());
      values_[f.name] = std::move(v);
    }
  }
  bool found() const { return found_; }
  rules::Value get(const FieldInfo& field) const override {
    auto it = values_.find(field.name);
    return it == values_.end() ? rules::Value{} : it->second;
  }
  bool has_tag(std::string_view tag) const override {
    auto q = ctx_.db().prepare("SELECT 1 FROM customer_tags WHERE customer_id = ? AND tag = ?");
    q.bind_all(id_, std::string(tag));
    return q.step();
  }
  bool in_group(std::string_view group) const override {
    for (const auto& p : parts(ctx_))
      if (p.in_group) return p.in_group(ctx_, id_, group);
    return false;
  }

 private:
  const Context& ctx_;
  std::int64_t id_;
  bool found_ = false;
  std::map<std::string, rules::Value> values_;
};

}  // namespace

void add_catalog_part(Engine& engine, CatalogPart part) {
  engine.extension<CatalogParts>().parts.push_back(std::move(part));
}

std::string rule_joins(const Context& ctx) {
  std::string joins;
  for (const auto& p : parts(ctx))
    if (!p.join.empty()) joins += " " + p.join;
  return joins;
}

std::string rule_from(const Context& ctx) { return "customers c" + rule_joins(ctx); }

std::vector<std::string> tags_of(const Context& ctx, std::int64_t customer_id) {
  auto q = ctx.db().prepare("SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag");
  q.bind_all(customer_id);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

std::vector<std::string> groups_of(const Context& ctx, std::int64_t customer_id) {
  for (const auto& p : parts(ctx))
    if (p.groups_of) return p.groups_of(ctx, customer_id);
  return {};
}

rules::FieldType rule_type(schema::FieldType t) {
  switch (t) {
    case schema::FieldType::Text: return rules::FieldType::Text;
    case schema::FieldType::Number: return rules::FieldType::Number;
    case schema::FieldType::Integer: return rules::FieldType::Integer;
    case schema::FieldType::Bool: return rules::FieldType::Bool;
    case schema::FieldType::Date: return rules::FieldType::Date;
    case schema::FieldType::DateTime: return rules::FieldType::DateTime;
    case schema::FieldType::Enum: return rules::FieldType::Enum;
    case schema::FieldType::MultiEnum: return rules::FieldType::MultiEnum;
    case schema::FieldType::User: return rules::FieldType::User;
  }
  return rules::FieldType::Text;
}

rules::Catalog customer_catalog(const Context& ctx) {
  rules::Catalog c;
  c.entity = "customer";
  c.dialect = &ctx.db().dialect();
  c.zone = ctx.zone();
  auto add = [&](std::string name, FieldType type, std::string sql, std::vector<std::string> options = {}) {
    c.fields.push_back(FieldInfo{std::move(name), type, std::move(sql), std::move(options)});
  };
  add("id", FieldType::Integer, "c.id");
  add("name", FieldType::Text, "c.name");
  add("kind", FieldType::Enum, "c.kind", {"company", "person"});
  add("industry", FieldType::Text, "c.industry");
  add("owner", FieldType::User, "c.owner_id");
  add("owner_id", FieldType::User, "c.owner_id");  // the spelling opportunity rules use too
  add("source", FieldType::Text, "c.source");
  add("phone", FieldType::Text, "c.phone");
  add("email", FieldType::Text, "c.email");
  add("stage", FieldType::Enum, "c.stage", schema::Stages(ctx, "lifecycle").names());
  add("created_at", FieldType::DateTime, "c.created_at");
  add("updated_at", FieldType::DateTime, "c.updated_at");
  // The higher domains' parts before the custom fields, so that a custom field can never shadow
  // a derived fact's name in the listing order people see.
  for (const auto& p : parts(ctx))
    if (p.add_fields) p.add_fields(ctx, c);
  auto defs = schema::Fields(ctx).of("customer");
  for (const auto& def : defs.defs())
    // Field names are identifiers (no quotes possible), so the JSON path can be part of the SQL.
    add(def.name, rule_type(def.type), ctx.db().dialect().json_value("c.fields", def.name), def.options);
  c.has_tag_sql = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)";
  return c;
}

CompiledRule compile_customer_rule(const Context& ctx, const std::string& text) {
  auto catalog = customer_catalog(ctx);
  auto rule = rules::parse(text, catalog);
  auto fragment = rules::compile_filter(rule, catalog, ctx.now());
  return CompiledRule{std::move(rule), std::move(fragment.sql), std::move(fragment.params)};
}

void bind_rule_value(db::Stmt& stmt, int index, const rules::Value& v) {
  if (v.is_null()) stmt.bind_null(index);
  else if (v.is_bool()) stmt.bind(index, v.as_bool());
  else if (v.is_int()) stmt.bind(index, v.as_int());
  else if (v.is_double()) stmt.bind(index, v.as_double());
  else if (v.is_string()) stmt.bind(index, v.as_string());
  else throw Error("internal error: a list cannot be bound as one SQL parameter");
}

bool matches(const Context& ctx, const rules::Rule& rule, std::int64_t customer_id) {
  LoadedRecord record(ctx, rule, customer_id);
  return record.found() && rules::evaluate(rule, record, ctx.now());
}

std::vector<ClauseRow> explain(const Context& ctx, const rules::Rule& rule, std::int64_t customer_id) {
  LoadedRecord record(ctx, rule, customer_id);
  if (!record.found()) throw NotFound("customer " + std::to_string(customer_id) + " does not exist");
  std::vector<ClauseRow> out;
  for (auto& c : rules::explain(rule, record, ctx.now())) out.push_back(ClauseRow{c.clause, c.value, c.result, c.depth});
  return out;
}

}  // namespace crmkit::customers
