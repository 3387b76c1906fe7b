#include "crmkit/db/change_feed.hpp"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"

namespace crmkit::db {

const char* change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Created: return "created";
    case ChangeKind::Updated: return "updated";
    case ChangeKind::Deleted: return "deleted";
  }
  return "updated";
}

std::uint32_t ChangeFeed::intern(const std::vector<std::string>& fields) {
  // Bulk writes record the same list row after row: compare before sorting and allocating.
  if (has_last_ && fields == last_input_) return last_index_;
  last_index_ = intern_sorted(fields);
  last_input_ = fields;
  has_last_ = true;
  return last_index_;
}

std::uint32_t ChangeFeed::intern_sorted(const std::vector<std::string>& fields) {
  std::vector<std::string> sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key;
  for (const auto& f : sorted) {
    key += f;
    key += '\x1f';  // field names are identifiers: the separator cannot occur in one
  }
  auto it = list_index_.find(key);
  if (it != list_index_.end()) return it->second;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& f : sorted) names.push_back(f);
  auto index = static_cast<std::uint32_t>(field_lists_.size());
  payloads_.push_back(nlohmann::json{{"fields", names}}.dump());
  field_lists_.push_back(std::move(sorted));
  list_index_.emplace(std::move(key), index);
  return index;
}

std::uint32_t ChangeFeed::merge(std::uint32_t a, std::uint32_t b) {
  if (a == b) return a;
  std::vector<std::string> both = field_lists_[a];
  both.insert(both.end(), field_lists_[b].begin(), field_lists_[b].end());
  return intern(both);
}

void ChangeFeed::record(Database& db, std::int64_t at, ChangeKind kind, const char* entity, std::int64_t id,
                        std::optional<std::int64_t> customer_id, const std::vector<std::string>& fields) {
  Pending p{at, id, customer_id.value_or(-1), entity, kind, intern(fields)};
  if (db.depth() == 0) {
    write(db, {p});
    return;
  }
  pending_.push_back(p);
}

void ChangeFeed::record_interned(Database& db, std::int64_t at, ChangeKind kind, const char* entity, std::int64_t id,
                                 std::optional<std::int64_t> customer_id, std::uint32_t fields) {
  Pending p{at, id, customer_id.value_or(-1), entity, kind, fields};
  if (db.depth() == 0) {
    write(db, {p});
    return;
  }
  pending_.push_back(p);
}

void ChangeFeed::record_many(Database& db, std::int64_t at, ChangeKind kind, const char* entity,
                             const std::vector<std::int64_t>& ids, bool ids_are_customers,
                             const std::vector<std::string>& fields) {
  const std::uint32_t list = intern(fields);
  std::vector<Pending> rows;
  std::vector<Pending>& out = db.depth() == 0 ? rows : pending_;
  out.reserve(out.size() + ids.size());
  for (const auto id : ids) out.push_back(Pending{at, id, ids_are_customers ? id : -1, entity, kind, list});
  if (db.depth() == 0) write(db, rows);
}

void ChangeFeed::on_savepoint() { marks_.push_back(pending_.size()); }

void ChangeFeed::on_release() {
  if (!marks_.empty()) marks_.pop_back();
}

void ChangeFeed::on_rollback_savepoint() {
  if (marks_.empty()) return;
  pending_.resize(std::min(pending_.size(), marks_.back()));
  marks_.pop_back();
}

void ChangeFeed::clear() {
  pending_.clear();
  marks_.clear();
  // The interned lists are few and reused across transactions; bound them anyway.
  if (field_lists_.size() > 4096) {
    has_last_ = false;
    field_lists_.clear();
    payloads_.clear();
    list_index_.clear();
  }
}

namespace {

struct Key {
  std::string_view entity;
  std::int64_t id;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const {
    return std::hash<std::string_view>{}(k.entity) * 31 + std::hash<std::int64_t>{}(k.id);
  }
};

std::string insert_sql(std::size_t rows) {
  std::string sql = "INSERT INTO events(at, kind, entity, entity_id, customer_id, payload) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
  return sql;
}

}  // namespace

void ChangeFeed::flush(Database& db) {
  if (pending_.empty()) return;
  // Bulk writes record each entity once, in ascending id order per entity: then there is nothing
  // to coalesce, and a million-entry hash map is not built for nothing.
  {
    std::vector<std::pair<std::string_view, std::int64_t>> last;  // per entity: the last id seen
    bool ascending = true;
    for (const auto& p : pending_) {
      auto it = std::find_if(last.begin(), last.end(), [&](const auto& e) { return e.first == p.entity; });
      if (it == last.end()) {
        last.emplace_back(p.entity, p.id);
      } else if (p.id > it->second) {
        it->second = p.id;
      } else {
        ascending = false;
        break;
      }
    }
    if (ascending) {
      write(db, pending_);
      return;
    }
  }
  // One event per entity per transaction: the first position, the union of the fields; a
  // deletion wins, and a record created in this transaction stays "created".
  std::vector<Pending> rows;
  rows.reserve(pending_.size());
  std::unordered_map<Key, std::size_t, KeyHash> seen;
  seen.reserve(pending_.size());
  for (const auto& p : pending_) {
    auto [it, fresh] = seen.try_emplace(Key{p.entity, p.id}, rows.size());
    if (fresh) {
      rows.push_back(p);
      continue;
    }
    Pending& first = rows[it->second];
    if (p.kind == ChangeKind::Deleted) {
      first.kind = ChangeKind::Deleted;
    } else if (first.kind != ChangeKind::Deleted) {
      first.fields = merge(first.fields, p.fields);
    }
    if (first.customer_id < 0) first.customer_id = p.customer_id;
  }
  write(db, rows);
}

std::int64_t ChangeFeed::latest_id(Database& db) {
  // AUTOINCREMENT keeps the largest id ever used in sqlite_sequence, also after the rows that
  // carried it were trimmed.
  auto q = db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)");
  q.step();
  return q.get_int(0);
}

std::int64_t ChangeFeed::oldest_id(Database& db) {
  auto q = db.prepare("SELECT min(id) FROM events");
  q.step();
  return q.is_null(0) ? latest_id(db) + 1 : q.get_int(0);
}

ChangeFeed::Retained ChangeFeed::retained(Database& db) {
  auto q = db.prepare("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM events");
  q.step();
  return Retained{q.get_int(0), q.get_int(1), q.get_int(2)};
}

std::vector<std::int64_t> ChangeFeed::customers_after(Database& db, std::int64_t after) {
  auto q = db.prepare("SELECT DISTINCT customer_id FROM events WHERE id > ?1 AND customer_id IS NOT NULL "
                      "ORDER BY customer_id");
  q.bind(1, after);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

void ChangeFeed::write(Database& db, const std::vector<Pending>& rows) {
  constexpr std::size_t kChunk = 128;
  std::size_t done = 0;
  while (done < rows.size()) {
    const std::size_t left = rows.size() - done;
    const std::size_t n = left >= kChunk ? kChunk : left >= 16 ? 16 : 1;
    auto ins = db.prepare(insert_sql(n));
    int b = 0;
    for (std::size_t i = done; i < done + n; ++i) {
      const Pending& p = rows[i];
      ins.bind(++b, p.at);
      ins.bind(++b, std::string_view(change_kind_name(p.kind)));
      ins.bind(++b, std::string_view(p.entity));
      ins.bind(++b, p.id);
      if (p.customer_id >= 0)
        ins.bind(++b, p.customer_id);
      else
        ins.bind_null(++b);
      ins.bind(++b, std::string_view(payloads_[p.fields]));
    }
    ins.exec();
    done += n;
  }
  if (keep_ <= 0 || rows.empty()) return;
  const std::int64_t newest = db.last_insert_id();
  auto q = db.prepare("SELECT min(id) FROM events");
  if (!q.step() || q.is_null(0)) return;
  const std::int64_t oldest = q.get_int(0);
  q.reset();
  if (newest - oldest + 1 <= keep_) return;
  const std::int64_t bound =
      std::min(newest - keep_ + 1, oldest + 2 * static_cast<std::int64_t>(rows.size()) + 64);
  db.prepare("DELETE FROM events WHERE id < ?").bind(1, bound).exec();
}

}  // namespace crmkit::db
