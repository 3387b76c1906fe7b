// The engine the rule, workflow and change-feed targets run against: an in-memory database whose
// customer catalog has one custom field of each type, at a fixed "now" so a finding replays.
#pragma once

#include "crmkit/crm.hpp"
#include "fuzz_support.hpp"

namespace crmkit::fuzz {

// 2026-03-01T12:00:00Z.
inline constexpr std::int64_t kNow = 1772366400000;
inline constexpr std::int64_t kDay = 86400000;

// An engine with the customer catalog extended by one custom field of each type.
inline Crm make_engine() {
  Crm crm = Crm::open(":memory:");
  crm.clock().freeze(kNow);
  using schema::FieldType;
  auto add = [&](const char* name, FieldType type, std::vector<std::string> options = {}) {
    schema::FieldDef d;
    d.entity = "customer";
    d.name = name;
    d.type = type;
    d.options = std::move(options);
    crm.fields().add(d);
  };
  add("t_text", FieldType::Text);
  add("t_num", FieldType::Number);
  add("t_int", FieldType::Integer);
  add("t_bool", FieldType::Bool);
  add("t_date", FieldType::Date);
  add("t_dt", FieldType::DateTime);
  add("t_enum", FieldType::Enum, {"华东", "华南", "华北"});
  add("t_multi", FieldType::MultiEnum, {"a", "b", "c", "重要"});
  add("t_user", FieldType::User);
  return crm;
}

}  // namespace crmkit::fuzz
