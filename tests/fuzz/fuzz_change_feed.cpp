// The change feed from write to reader: fuzzer-chosen changes (kinds, entities, field names with
// quotes, backslashes, control characters and CJK) recorded inside nested transactions whose
// savepoints are released or rolled back, then read back with events.since() and each payload
// decoded as the reader decodes it. Required: ids ascending, nothing of a rollback, and one event
// per entity and id per commit as the feed coalesces them (change_feed.cpp): the kind of the
// first surviving change, or deleted once one is a deletion; the payload a JSON object
// {"fields": [...]} holding the sorted union of the field names recorded up to the deletion.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "crmkit/db/database.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/events/events.hpp"
#include "fuzz_engine.hpp"

using namespace crmkit;

namespace {
struct Change {
  std::string entity;
  std::int64_t id;
  int kind;
  std::vector<std::string> fields;
};
using Key = std::tuple<std::string, std::int64_t>;  // entity, id
using Expected = std::map<Key, std::pair<int, std::set<std::string>>>;  // kind, fields
constexpr int kDeleted = static_cast<int>(db::ChangeKind::Deleted);

// The surviving changes in order, coalesced as the feed promises.
Expected coalesce(const std::vector<Change>& changes) {
  Expected out;
  for (const auto& c : changes) {
    auto [it, fresh] = out.try_emplace(Key{c.entity, c.id}, c.kind, std::set<std::string>(c.fields.begin(), c.fields.end()));
    if (fresh) continue;
    auto& [kind, fields] = it->second;
    if (c.kind == kDeleted) kind = kDeleted;
    else if (kind != kDeleted) fields.insert(c.fields.begin(), c.fields.end());
  }
  return out;
}

const char* const kEntities[] = {"customer", "lead", "opportunity"};
const std::vector<std::string> kNames = {"name", "phone", "t_text", "金额", "备注 1", "a\"b", "back\\slash",
                                         "tab\there", "nl\nx", "😀", "x", "y", "owner_id", "\x01"};

// One transaction level: records changes and, with some probability, nested levels, then
// commits (its changes join the parent's) or rolls back (they vanish).
std::vector<Change> level(Crm& crm, FuzzedDataProvider& in, int depth) {
  std::vector<Change> mine;
  db::Transaction tx(crm.database());
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0 && in.remaining_bytes() > 0; --n) {
    if (depth < 3 && in.ConsumeIntegralInRange(0, 3) == 0) {
      const auto inner = level(crm, in, depth + 1);
      mine.insert(mine.end(), inner.begin(), inner.end());
      continue;
    }
    const char* entity = kEntities[in.ConsumeIntegralInRange(0, 2)];
    const std::int64_t id = in.ConsumeIntegralInRange(1, 4);
    const int kind = in.ConsumeIntegralInRange(0, 2);
    std::vector<std::string> fields;
    for (int f = in.ConsumeIntegralInRange(0, 4); f > 0; --f)
      fields.push_back(kNames[in.ConsumeIntegralInRange<std::size_t>(0, kNames.size() - 1)]);
    const std::optional<std::int64_t> customer =
        std::string(entity) == "lead" ? std::nullopt : std::optional<std::int64_t>(id);
    events::emit(crm.context(), static_cast<db::ChangeKind>(kind), entity, id, customer, fields);
    mine.push_back({entity, id, kind, fields});
  }
  if (in.ConsumeIntegralInRange(0, 3) == 0) return {};  // rolled back by the destructor
  tx.commit();
  return mine;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Crm crm = fuzz::make_engine();
  FuzzedDataProvider in(data, size);
  const std::int64_t cursor = crm.events().latest();
  const Expected expected = coalesce(level(crm, in, 0));

  const Table t = crm.events().since(cursor, events::kMaxLimit);
  Expected seen;
  std::int64_t last_id = cursor;
  const auto& ids = t.column("id");
  const auto& kinds = t.column("kind");
  const auto& entities = t.column("entity");
  const auto& entity_ids = t.column("entity_id");
  const auto& payloads = t.column("payload");
  for (std::size_t r = 0; r < t.column("id").size(); ++r) {
    if (ids.ints[r] <= last_id) fuzz::finding("event ids do not ascend");
    last_id = ids.ints[r];
    const std::string& kind_name = kinds.texts[r];
    int kind = -1;
    for (int k = 0; k < 3; ++k)
      if (kind_name == db::change_kind_name(static_cast<db::ChangeKind>(k))) kind = k;
    if (kind < 0) fuzz::finding("unknown event kind " + kind_name);
    nlohmann::json payload = nlohmann::json::parse(payloads.texts[r], nullptr, false);
    if (payload.is_discarded() || !payload.is_object() || !payload.contains("fields") || !payload["fields"].is_array())
      fuzz::finding("a payload that does not decode: " + payloads.texts[r]);
    std::vector<std::string> names;
    for (const auto& f : payload["fields"]) {
      if (!f.is_string()) fuzz::finding("a field name that is not a string: " + payloads.texts[r]);
      names.push_back(f.get<std::string>());
    }
    if (!std::is_sorted(names.begin(), names.end()) || std::adjacent_find(names.begin(), names.end()) != names.end())
      fuzz::finding("payload fields not sorted and unique: " + payloads.texts[r]);
    const Key key{entities.texts[r], entity_ids.ints[r]};
    if (seen.count(key)) fuzz::finding("two events for one entity in one commit");
    seen[key] = {kind, std::set<std::string>(names.begin(), names.end())};
  }
  if (seen != expected) fuzz::finding("the feed does not hold exactly the surviving changes");
  return 0;
}
