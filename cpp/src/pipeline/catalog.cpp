#include "crmkit/pipeline/catalog.hpp"

#include <nlohmann/json.hpp>

#include "crmkit/customers/catalog.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"

namespace crmkit::pipeline {
namespace {

using rules::FieldType;

void add_custom_fields(rules::Catalog& c, const schema::FieldSet& fields, const std::string& alias) {
  for (const auto& d : fields.defs()) {
    // Field names are identifiers (letters, digits, '_'), so they are safe inside the JSON path.
    c.fields.push_back({d.name, customers::rule_type(d.type), "json_extract(" + alias + ".fields, '$.\"" + d.name + "\"')",
                        d.options});
  }
}

}  // namespace

rules::Catalog opportunity_catalog(const Context& ctx) {
  rules::Catalog c;
  c.entity = "opportunity";
  std::vector<std::string> stages = schema::Stages(ctx, "pipeline").names();
  c.fields = {
      {"id", FieldType::Integer, "o.id", {}},
      {"title", FieldType::Text, "o.title", {}},
      {"amount", FieldType::Number, "(o.amount_cents / 100.0)", {}},
      {"customer_id", FieldType::Integer, "o.customer_id", {}},
      {"owner", FieldType::User, "o.owner_id", {}},
      {"owner_id", FieldType::User, "o.owner_id", {}},
      {"team_id", FieldType::Integer, "(SELECT ou.team_id FROM users ou WHERE ou.id = o.owner_id)", {}},
      {"stage", FieldType::Enum, "o.stage", stages},
      {"probability", FieldType::Number,
       "COALESCE(o.probability, (SELECT ps.probability FROM stages ps WHERE ps.kind = 'pipeline' AND ps.name = "
       "o.stage))",
       {}},
      {"close_date", FieldType::Date, "o.close_date", {}},
      {"status", FieldType::Enum, "o.status", {"open", "won", "lost"}},
      {"lost_reason", FieldType::Text, "o.lost_reason", {}},
      {"locked", FieldType::Bool, "(o.locked_by_request IS NOT NULL)", {}},
      {"created_at", FieldType::DateTime, "o.created_at", {}},
      {"updated_at", FieldType::DateTime, "o.updated_at", {}},
      {"closed_at", FieldType::DateTime, "o.closed_at", {}},
  };
  add_custom_fields(c, schema::Fields(ctx).of("opportunity"), "o");
  return c;
}

bool is_document_kind(const Context& ctx, const std::string& kind) {
  auto q = ctx.db().prepare("SELECT 1 FROM document_kinds WHERE name = ?");
  q.bind_all(kind);
  return q.step();
}

rules::Catalog document_catalog(const Context& ctx, const std::string& kind) {
  rules::Catalog c;
  c.entity = kind;
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
  auto space = table_alias.rfind(' ');
  std::string alias = space == std::string::npos ? table_alias : table_alias.substr(space + 1);
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < catalog.fields.size(); ++i) {
    const auto& f = catalog.fields[i];
    sql += (i ? ", " : "") + f.sql + ", typeof(" + f.sql + ")";
  }
  sql += " FROM " + table_alias + " WHERE " + alias + ".id = ?";
  auto q = ctx.db().prepare(sql);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  RecordValues out;
  for (std::size_t i = 0; i < catalog.fields.size(); ++i) {
    const auto& f = catalog.fields[i];
    int col = static_cast<int>(2 * i);
    if (q.is_null(col)) {
      out[f.name] = rules::Value{};
      continue;
    }
    std::string type = q.get_text(col + 1);
    switch (f.type) {
      case FieldType::Text:
      case FieldType::Enum: out[f.name] = rules::Value(q.get_text(col)); break;
      case FieldType::MultiEnum: {
        auto j = nlohmann::json::parse(q.get_text(col), nullptr, false);
        rules::Value::List items;
        bool ok = j.is_array();
        if (ok)
          for (const auto& e : j) {
            if (!e.is_string()) {
              ok = false;
              break;
            }
            items.push_back(e.get<std::string>());
          }
        out[f.name] = ok ? rules::Value(std::move(items)) : rules::Value{};
        break;
      }
      default:
        if (type == "real")
          out[f.name] = rules::Value(q.get_double(col));
        else if (type == "integer")
          out[f.name] = rules::Value(q.get_int(col));
        else
          out[f.name] = rules::Value(q.get_text(col));
    }
  }
  return out;
}

}  // namespace crmkit::pipeline
