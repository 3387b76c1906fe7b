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
    auto q = ctx.db().prepare(select + " FROM " + kRuleFrom + " WHERE c.id = ?");
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
    auto q = ctx_.db().prepare(
        "SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.customer_id = ? AND g.name = ?");
    q.bind_all(id_, std::string(group));
    return q.step();
  }

 private:
  const Context& ctx_;
  std::int64_t id_;
  bool found_ = false;
  std::map<std::string, rules::Value> values_;
};

}  // namespace

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
  // Derived facts (kept current by the relationship domain).
  add("last_contact_at", FieldType::DateTime, "f.last_contact_at");
  // Whole days since the last contact as the rule language defines them (rounded down), the same
  // as the days_since_contact reported on the customer record and held by the segment store.
  add("days_since_contact", FieldType::Integer, rules::semantics::days_since_sql("f.last_contact_at"));
  add("interaction_count", FieldType::Integer, "coalesce(f.interaction_count, 0)");
  add("order_count", FieldType::Integer, "coalesce(f.order_count, 0)");
  add("lifetime_value", FieldType::Number, "(coalesce(f.lifetime_value_cents, 0) / 100.0)");
  add("first_order_at", FieldType::DateTime, "f.first_order_at");
  add("last_order_at", FieldType::DateTime, "f.last_order_at");
  add("avg_satisfaction", FieldType::Number, "(f.satisfaction_sum * 1.0 / nullif(f.satisfaction_count, 0))");
  add("open_tickets", FieldType::Integer, "coalesce(f.open_tickets, 0)");
  auto defs = schema::Fields(ctx).of("customer");
  for (const auto& def : defs.defs())
    // Field names are identifiers (no quotes possible), so the JSON path can be part of the SQL.
    add(def.name, rule_type(def.type), "json_extract(c.fields, '$.\"" + def.name + "\"')", def.options);
  c.has_tag_sql = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)";
  c.in_group_sql =
      "EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id "
      "WHERE gm.customer_id = c.id AND g.name = ?)";
  return c;
}

CompiledRule compile_customer_rule(const Context& ctx, const std::string& text) {
  auto catalog = customer_catalog(ctx);
  auto rule = rules::parse(text, catalog);
  auto fragment = rules::compile(rule, catalog, ctx.now());
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
