#include "crmkit/pipeline/catalog.hpp"

#include "crmkit/customers/catalog.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"

namespace crmkit::pipeline {
namespace {

using rules::FieldType;

void add_custom_fields(const Context& ctx, rules::Catalog& c, const schema::FieldSet& fields, const std::string& alias) {
  c.dialect = &ctx.db().dialect();
  for (const auto& d : fields.defs()) {
    // Field names are identifiers (letters, digits, '_'), so they are safe inside the SQL.
    c.fields.push_back({d.name, customers::rule_type(d.type), ctx.db().dialect().json_value(alias + ".fields", d.name),
                        d.options});
  }
}

}  // namespace

rules::Catalog opportunity_catalog(const Context& ctx) {
  rules::Catalog c;
  c.entity = "opportunity";
  c.zone = ctx.zone();
  std::vector<std::string> stages = schema::Stages(ctx, "pipeline").names();
  c.fields = {
      {"id", FieldType::Integer, "o.id", {}},
      {"title", FieldType::Text, "o.title", {}},
      {"amount", FieldType::Number, "(o.amount_cents / 100.0)", {}},
      {"customer_id", FieldType::Integer, "o.customer_id", {}},
      {"owner", FieldType::User, "o.owner_id", {}},
      {"owner_id", FieldType::User, "o.owner_id", {}},
      {"team_id", FieldType::Integer, org::team_of_sql("o.owner_id"), {}},
      {"stage", FieldType::Enum, "o.stage", stages},
      {"probability", FieldType::Number, "COALESCE(o.probability, " + schema::pipeline_stage_probability_sql("o.stage") + ")",
       {}},
      {"close_date", FieldType::Date, "o.close_date", {}},
      {"status", FieldType::Enum, "o.status", {"open", "won", "lost"}},
      {"lost_reason", FieldType::Text, "o.lost_reason", {}},
      {"locked", FieldType::Bool, "(o.locked_by_request IS NOT NULL)", {}},
      {"created_at", FieldType::DateTime, "o.created_at", {}},
      {"updated_at", FieldType::DateTime, "o.updated_at", {}},
      {"closed_at", FieldType::DateTime, "o.closed_at", {}},
  };
  add_custom_fields(ctx, c, schema::Fields(ctx).of("opportunity"), "o");
  return c;
}

bool is_document_kind(const Context& ctx, const std::string& kind) {
  auto q = ctx.db().prepare("SELECT 1 FROM document_kinds WHERE name = ?");
  q.bind_all(kind);
  return q.step();
}

std::vector<std::string> document_kinds(const Context& ctx) {
  auto q = ctx.db().prepare("SELECT name FROM document_kinds ORDER BY name");
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

std::optional<std::string> document_kind_of(const Context& ctx, std::int64_t id) {
  auto q = ctx.db().prepare("SELECT kind FROM documents WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return q.get_text(0);
}

rules::Catalog document_catalog(const Context& ctx, const std::string& kind) {
  rules::Catalog c;
  c.entity = kind;
  c.zone = ctx.zone();
  std::vector<std::string> stages = schema::Stages(ctx, "pipeline").names();
  c.fields = {
      {"id", FieldType::Integer, "d.id", {}},
      {"title", FieldType::Text, "d.title", {}},
      {"amount", FieldType::Number, "(d.amount_cents / 100.0)", {}},
      {"discount", FieldType::Number, "d.discount", {}},
      {"opportunity_id", FieldType::Integer, "d.opportunity_id", {}},
      {"customer_id", FieldType::Integer,
       "(SELECT dop.customer_id FROM opportunities dop WHERE dop.id = d.opportunity_id)", {}},
      {"owner", FieldType::User, "(SELECT dop.owner_id FROM opportunities dop WHERE dop.id = d.opportunity_id)", {}},
      {"owner_id", FieldType::User, "(SELECT dop.owner_id FROM opportunities dop WHERE dop.id = d.opportunity_id)",
       {}},
      {"stage", FieldType::Enum, "(SELECT dop.stage FROM opportunities dop WHERE dop.id = d.opportunity_id)", stages},
      {"opportunity_amount", FieldType::Number,
       "(SELECT dop.amount_cents / 100.0 FROM opportunities dop WHERE dop.id = d.opportunity_id)", {}},
      {"locked", FieldType::Bool, "(d.locked_by_request IS NOT NULL)", {}},
      {"created_at", FieldType::DateTime, "d.created_at", {}},
      {"updated_at", FieldType::DateTime, "d.updated_at", {}},
  };
  return c;
}

std::optional<RecordValues> load_values(const Context& ctx, const rules::Catalog& catalog,
                                        const std::string& table_alias, std::int64_t id) {
  // "table alias [JOIN ...]": the record's alias is the second word.
  const auto first = table_alias.find(' ');
  std::string alias = first == std::string::npos ? table_alias : table_alias.substr(first + 1);
  alias = alias.substr(0, alias.find(' '));
  // Fields computed from the clock (days_since_contact) carry $now: bound to this call's instant.
  std::string sql = "SELECT ";
  int now_params = 0;
  for (std::size_t i = 0; i < catalog.fields.size(); ++i) {
    const rules::ExpandedSql e = rules::expand_now(catalog.fields[i].sql, "?");
    now_params += e.now_count;
    sql += (i ? ", " : "") + e.sql;
  }
  sql += " FROM " + table_alias + " WHERE " + alias + ".id = ?";
  auto q = ctx.db().prepare(sql);
  int param = 0;
  for (int k = 0; k < now_params; ++k) q.bind(++param, ctx.now());
  q.bind(++param, id);
  if (!q.step()) return std::nullopt;
  RecordValues out;
  for (std::size_t i = 0; i < catalog.fields.size(); ++i) {
    const auto& f = catalog.fields[i];
    const int col = static_cast<int>(i);
    // The value as the compiled SQL sees it: its storage class decides (a number in a text field
    // stays a number), and a multi_enum is the list of its JSON array's text elements.
    rules::Value v;
    switch (q.cell_type(col)) {
      case db::CellType::Integer: v = rules::Value(q.get_int(col)); break;
      case db::CellType::Real: v = rules::Value(q.get_double(col)); break;
      case db::CellType::Text: v = rules::Value(q.get_text(col)); break;
      default: break;
    }
    if (f.type == FieldType::MultiEnum && v.is_string()) v = rules::semantics::multi_enum_value(v.as_string());
    out[f.name] = std::move(v);
  }
  return out;
}

// Leads carry no custom fields: the catalog is their built-in columns.
rules::Catalog lead_catalog(const Context& ctx) {
  using rules::FieldType;
  rules::Catalog c;
  c.entity = "lead";
  c.zone = ctx.zone();
  c.dialect = &ctx.db().dialect();
  c.fields = {
      {"id", FieldType::Integer, "l.id", {}},
      {"name", FieldType::Text, "l.name", {}},
      {"company", FieldType::Text, "l.company", {}},
      {"phone", FieldType::Text, "l.phone", {}},
      {"email", FieldType::Text, "l.email", {}},
      {"source", FieldType::Text, "l.source", {}},
      {"status", FieldType::Enum, "l.status", {"new", "qualified", "disqualified", "converted"}},
      {"owner", FieldType::User, "l.owner_id", {}},
      {"owner_id", FieldType::User, "l.owner_id", {}},
      {"reason", FieldType::Text, "l.reason", {}},
      {"customer_id", FieldType::Integer, "l.customer_id", {}},
      {"created_at", FieldType::DateTime, "l.created_at", {}},
      {"qualified_at", FieldType::DateTime, "l.qualified_at", {}},
      {"converted_at", FieldType::DateTime, "l.converted_at", {}},
  };
  return c;
}

}  // namespace crmkit::pipeline
