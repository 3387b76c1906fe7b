#include "crmkit/workflow/workflows.hpp"

#include <map>

#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/rules/sql.hpp"
#include "crmkit/text.hpp"
#include "crmkit/workflow/ledger.hpp"
#include "workflow_internal.h"

namespace crmkit::workflow {

using namespace internal;

namespace {

std::string trigger_text(const Definition& d) {
  return std::string(to_string(d.trigger_on)) + (d.trigger_stage ? ":" + *d.trigger_stage : "");
}

WorkflowInfo read_info(db::Stmt& q) {
  WorkflowInfo w;
  w.id = q.get_int(0);
  w.name = q.get_text(1);
  w.version = q.get_int(2);
  w.entity = q.get_text(3);
  w.trigger = q.get_text(4) + (q.is_null(5) ? "" : ":" + q.get_text(5));
  w.active = q.get_int(6) != 0;
  w.definition = q.get_text(7);
  w.created_at = Timestamp{q.get_int(8)};
  return w;
}

constexpr const char* kInfoColumns =
    "id, name, version, entity, trigger_on, trigger_stage, active, definition, created_at";

rules::Value to_rule_value(const Value& v, const rules::FieldInfo& f, const TimeZone& zone) {
  if (v.is_null()) return {};
  if (v.is<bool>()) return rules::Value(v.as<bool>());
  if (v.is<std::int64_t>()) return rules::Value(v.as<std::int64_t>());
  if (v.is<double>()) return rules::Value(v.as<double>());
  // A date given for a datetime field is the start of that local day; an instant given for a date
  // field is its local date.
  const bool date_field = f.type == rules::FieldType::Date;
  if (v.is<Date>()) return rules::Value(date_field ? v.as<Date>().ms : zone.start_of(v.as<Date>()));
  if (v.is<Timestamp>()) return rules::Value(date_field ? zone.date_of(v.as<Timestamp>().ms).ms : v.as<Timestamp>().ms);
  if (v.is<std::vector<std::string>>()) return rules::Value(v.as<std::vector<std::string>>());
  const auto& s = v.as<std::string>();
  if (f.type == rules::FieldType::Date) return rules::Value(parse_date(s, f.name).ms);
  if (f.type == rules::FieldType::DateTime) return rules::Value(parse_timestamp(s, f.name, zone).ms);
  return rules::Value(s);
}

}  // namespace

WorkflowInfo Workflows::define(const std::string& definition_json) {
  ctx_.require_admin("define approval workflows");
  db::Transaction tx(ctx_.db());
  auto a = analyze(ctx_, definition_json, {});
  if (!a.problems.empty() || !a.def) {
    std::string name = a.def && !a.def->name.empty() ? "workflow '" + a.def->name + "'" : "the workflow definition";
    throw WorkflowError(name + " is not sound (" + std::to_string(a.problems.size()) + " problem" +
                        (a.problems.size() == 1 ? "" : "s") + "):" + problems_text(a.problems));
  }
  const auto& def = *a.def;
  std::int64_t version = 1;
  {
    auto q = ctx_.db().prepare("SELECT max(version) FROM workflows WHERE name = ?");
    q.bind_all(def.name);
    if (q.step() && !q.is_null(0)) version = q.get_int(0) + 1;
  }
  ctx_.db().prepare("UPDATE workflows SET current = 0 WHERE name = ?").bind_all(def.name).exec();
  ctx_.db()
      .prepare("INSERT INTO workflows(name, version, entity, trigger_on, trigger_stage, definition, current, active, "
               "created_by, created_at) VALUES (?,?,?,?,?,?,1,?,?,?)")
      .bind_all(def.name, version, def.entity, to_string(def.trigger_on), def.trigger_stage, def.json, def.active, ctx_.actor(),
                ctx_.now())
      .exec();
  LedgerEntry e;
  e.kind = "define";
  e.workflow = def.name;
  e.workflow_version = version;
  e.entity = def.entity;
  e.actor_id = ctx_.actor();
  e.detail = json{{"definition_sha256", sha256_hex(def.json)}, {"trigger", trigger_text(def)}, {"active", def.active}};
  append(ctx_, e);
  tx.commit();
  log::logger().debug("workflows.define name={} version={}", def.name, version);
  return get(def.name, version);
}

std::vector<Problem> Workflows::validate(const std::string& definition_json) const {
  db::Transaction tx(ctx_.db(), false);
  return analyze(ctx_, definition_json, {}).problems;
}

WorkflowInfo Workflows::get(const std::string& name, std::optional<std::int64_t> version) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kInfoColumns +
                             " FROM workflows WHERE name = ? AND (version = ? OR (? IS NULL AND current = 1))");
  Value v = version ? Value(*version) : Value();
  q.bind_all(text::trim(name), v, v);
  if (!q.step())
    throw NotFound("workflow '" + name + "'" + (version ? " version " + std::to_string(*version) : "") +
                   " does not exist");
  return read_info(q);
}

Table Workflows::list(bool all_versions) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kInfoColumns + " FROM workflows" +
                             (all_versions ? "" : " WHERE current = 1") + " ORDER BY name, version");
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_name = t.add_column("name", ColumnType::Text);
  auto c_version = t.add_column("version", ColumnType::Int);
  auto c_entity = t.add_column("entity", ColumnType::Text);
  auto c_trigger = t.add_column("trigger", ColumnType::Text);
  auto c_active = t.add_column("active", ColumnType::Bool);
  auto c_created = t.add_column("created_at", ColumnType::Time);
  while (q.step()) {
    auto w = read_info(q);
    t.column(c_id).push_int(w.id);
    t.column(c_name).push_text(w.name);
    t.column(c_version).push_int(w.version);
    t.column(c_entity).push_text(w.entity);
    t.column(c_trigger).push_text(w.trigger);
    t.column(c_active).push_int(w.active);
    t.column(c_created).push_int(w.created_at.ms);
  }
  return t;
}

void Workflows::deactivate(const std::string& name) {
  ctx_.require_admin("deactivate approval workflows");
  db::Transaction tx(ctx_.db());
  auto w = get(name);
  ctx_.db().prepare("UPDATE workflows SET active = 0 WHERE name = ?").bind_all(w.name).exec();
  LedgerEntry e;
  e.kind = "deactivate";
  e.workflow = w.name;
  e.workflow_version = w.version;
  e.entity = w.entity;
  e.actor_id = ctx_.actor();
  append(ctx_, e);
  tx.commit();
}

Route Workflows::simulate(const std::string& name, const std::map<std::string, Value>& record,
                          std::optional<std::int64_t> entity_id, std::optional<std::int64_t> submitter) const {
  db::Transaction tx(ctx_.db(), false);
  auto info_row = get(name);
  auto def = load_definition(ctx_, info_row.definition);
  auto info = entity_info(ctx_, def->entity);
  if (!info) throw WorkflowError("workflow '" + name + "' is for an entity that no longer exists: " + def->entity);
  LoadedRecord rec;
  if (entity_id) {
    auto r = load_record(ctx_, *info, *entity_id);
    if (!r) throw NotFound(info->entity + " " + std::to_string(*entity_id) + " does not exist");
    if (!ctx_.who->covers(info->scope, r->owner))
      throw PermissionDenied("user '" + ctx_.who->login + "' may not read " + info->entity + " " +
                             std::to_string(*entity_id));
    rec = *r;
  }
  for (const auto& [key, v] : record) {
    const rules::FieldInfo* f = info->catalog.find(key);
    if (!f) {
      std::string known;
      for (const auto& fi : info->catalog.fields) known += (known.empty() ? "" : ", ") + fi.name;
      throw ValidationError(key + ": not a field of " + info->entity + " (fields: " + known + ")", key);
    }
    rec.values[f->name] = to_rule_value(v, *f, info->catalog.zone);
    if ((f->name == "owner" || f->name == "owner_id") && rec.values[f->name].is_int()) {
      rec.owner = rec.values[f->name].as_int();
      rec.values["owner"] = rec.values["owner_id"] = rules::Value(*rec.owner);
    }
  }
  return simulate_route(ctx_, *def, info_row.version, rec, entity_id, submitter);
}

ReplayResult Workflows::replay(const std::string& definition_json, const std::optional<std::string>& where) const {
  db::Transaction tx(ctx_.db(), false);
  AnalyzeOptions opt;
  opt.check_overlap = false;
  auto a = analyze(ctx_, definition_json, opt);
  if (!a.problems.empty() || !a.def)
    throw WorkflowError("the draft workflow is not sound (" + std::to_string(a.problems.size()) + " problem" +
                        (a.problems.size() == 1 ? "" : "s") + "):" + problems_text(a.problems));
  const auto& def = *a.def;
  auto info = *entity_info(ctx_, def.entity);
  const std::string& alias = info.alias;
  std::string sql = "SELECT " + alias + ".id FROM " + info.table_alias + " WHERE 1";
  std::vector<rules::Value> params;
  if (info.is_document) {
    sql += " AND d.kind = ?";
    params.emplace_back(def.entity);
  }
  if (where && !text::trim(*where).empty()) {
    auto rule = rules::parse(*where, info.catalog);
    auto frag = rules::compile_filter(rule, info.catalog, ctx_.now());
    sql += " AND " + frag.sql;
    params.insert(params.end(), frag.params.begin(), frag.params.end());
  }
  sql += " ORDER BY " + alias + ".id";
  auto q = ctx_.db().prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) {
    int at = static_cast<int>(i + 1);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, rules::Value::List>)
            q.bind_null(at);
          else
            q.bind(at, x);
        },
        params[i].storage());
  }
  std::vector<std::int64_t> ids;
  while (q.step()) ids.push_back(q.get_int(0));
  ReplayResult out;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> per_step;  // name -> (requests, skipped)
  std::map<std::int64_t, std::pair<std::string, std::int64_t>> per_user;
  for (auto id : ids) {
    auto rec = load_record(ctx_, info, id);
    if (!rec || !ctx_.who->covers(info.scope, rec->owner)) continue;
    ++out.records;
    auto route = simulate_route(ctx_, def, 0, *rec, id, std::nullopt);
    if (route.applies) {
      ++out.requests;
      for (const auto& s : route.steps) {
        auto& c = per_step[s.name];
        (s.runs ? c.first : c.second) += 1;
        if (s.runs)
          for (const auto& ap : s.approvers) {
            auto& u = per_user[ap.user_id];
            u.first = ap.login;
            ++u.second;
          }
      }
    }
    out.routes.push_back(std::move(route));
  }
  auto s_name = out.per_step.add_column("step", ColumnType::Text);
  auto s_req = out.per_step.add_column("requests", ColumnType::Int);
  auto s_skip = out.per_step.add_column("skipped", ColumnType::Int);
  for (const auto& step : def.steps) {
    auto it = per_step.find(step.name);
    out.per_step.column(s_name).push_text(step.name);
    out.per_step.column(s_req).push_int(it == per_step.end() ? 0 : it->second.first);
    out.per_step.column(s_skip).push_int(it == per_step.end() ? 0 : it->second.second);
  }
  auto u_id = out.per_approver.add_column("user_id", ColumnType::Int);
  auto u_login = out.per_approver.add_column("login", ColumnType::Text);
  auto u_req = out.per_approver.add_column("requests", ColumnType::Int);
  for (const auto& [id, v] : per_user) {
    out.per_approver.column(u_id).push_int(id);
    out.per_approver.column(u_login).push_text(v.first);
    out.per_approver.column(u_req).push_int(v.second);
  }
  return out;
}

}  // namespace crmkit::workflow
