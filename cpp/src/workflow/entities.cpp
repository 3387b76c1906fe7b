// The entities a workflow can run over, seen through the rule language.
#include <algorithm>
#include <map>
#include <mutex>

#include "crmkit/customers/catalog.hpp"
#include "crmkit/pipeline/catalog.hpp"
#include "crmkit/schema/config_epoch.hpp"
#include "workflow_internal.h"

namespace crmkit::workflow::internal {

namespace {

std::optional<EntityInfo> build_entity_info(const Context& ctx, const std::string& entity) {
  EntityInfo info;
  info.entity = entity;
  if (entity == "opportunity") {
    info.table_alias = pipeline::kOpportunityFrom;
    info.alias = "o";
    info.scope = "opportunities";
    info.catalog = pipeline::opportunity_catalog(ctx);
  } else if (entity == "customer") {
    // The customers domain's catalog, with the parts higher domains contribute (facts, groups).
    info.table_alias = customers::rule_from(ctx);
    info.alias = "c";
    info.scope = "customers";
    info.catalog = customers::customer_catalog(ctx);
  } else if (pipeline::is_document_kind(ctx, entity)) {
    info.table_alias = pipeline::kDocumentFrom;
    info.alias = "d";
    info.scope = "opportunities";
    info.catalog = pipeline::document_catalog(ctx, entity);
    info.is_document = true;
  } else {
    return std::nullopt;
  }
  return info;
}

// The entities described for this engine, kept while the configuration epoch and the time zone
// they were described under hold (crmkit/schema/config_epoch.hpp): a catalog reads the field
// definitions and stages, which every submission and decision would otherwise read again.
// Guarded by the database's lock.
struct EntityInfoCache {
  std::uint64_t epoch = 0;
  TimeZone zone;
  std::map<std::string, EntityInfo, std::less<>> infos;
};

}  // namespace

std::optional<EntityInfo> entity_info(const Context& ctx, const std::string& entity) {
  // The database's lock first (as every cache does): the epoch cannot move while this call reads.
  std::lock_guard db_lock(ctx.db().mutex());
  const auto epoch = schema::config_epoch(ctx);
  if (!epoch) return build_entity_info(ctx, entity);
  auto& cache = ctx.live().extension<EntityInfoCache>();
  const TimeZone zone = ctx.zone();
  if (cache.epoch != *epoch || !(cache.zone == zone)) {
    cache.infos.clear();
    cache.epoch = *epoch;
    cache.zone = zone;
  }
  if (auto it = cache.infos.find(entity); it != cache.infos.end()) return it->second;
  auto info = build_entity_info(ctx, entity);
  if (info) cache.infos.emplace(entity, *info);
  return info;
}

std::string known_entities(const Context& ctx) {
  std::string s = "opportunity, customer";
  for (const auto& kind : pipeline::document_kinds(ctx)) s += ", " + kind;
  return s;
}

std::optional<LoadedRecord> load_record(const Context& ctx, const EntityInfo& info, std::int64_t id) {
  LoadedRecord r;
  auto v = pipeline::load_values(ctx, info.catalog, info.table_alias, id);
  if (!v) return std::nullopt;
  if (info.is_document && pipeline::document_kind_of(ctx, id) != info.entity) return std::nullopt;
  r.values = std::move(*v);
  auto owner = r.values.find("owner");
  if (owner != r.values.end() && owner->second.is_int()) r.owner = owner->second.as_int();
  if (info.entity == "customer") {
    r.tags = customers::tags_of(ctx, id);
    r.groups = customers::groups_of(ctx, id);
  }
  return r;
}

rules::Value MapRecord::get(const rules::FieldInfo& field) const {
  auto it = r_.values.find(field.name);
  return it == r_.values.end() ? rules::Value{} : it->second;
}

bool MapRecord::has_tag(std::string_view tag) const {
  return std::find(r_.tags.begin(), r_.tags.end(), tag) != r_.tags.end();
}

bool MapRecord::in_group(std::string_view group) const {
  return std::find(r_.groups.begin(), r_.groups.end(), group) != r_.groups.end();
}

json to_json(const rules::Value& v) {
  if (v.is_null()) return nullptr;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_double()) return v.as_double();
  if (v.is_string()) return v.as_string();
  return v.as_list();
}

json key_fields(const LoadedRecord& r) {
  static const char* keys[] = {"id", "title", "name", "amount", "discount", "stage", "status", "owner",
                               "customer_id", "opportunity_id"};
  json j = json::object();
  for (const char* k : keys) {
    auto it = r.values.find(k);
    if (it != r.values.end()) j[k] = to_json(it->second);
  }
  return j;
}

}  // namespace crmkit::workflow::internal
