// crmkit/db/change_feed.hpp — the change feed: what the open transaction changed, written to the
// `events` table when the outermost transaction commits.
//
// Writers record each change in memory (record()); nothing touches SQL until the outermost
// transaction commits, when the pending changes are coalesced (one event per entity and kind of
// change: the field names are united) and written with one prepared multi-row INSERT, right
// before COMMIT, so the events commit or roll back with the change itself. A savepoint rolled
// back discards what was recorded inside it; a savepoint released keeps it for its parent. Event
// ids are assigned under the write lock at commit, so ids ascend in commit order and a reader
// paging by `id > cursor` never misses a later commit with a smaller id.
//
// Retention: the feed keeps at least the newest `keep()` events. Each commit that writes k events
// deletes at most 2k + 64 of the oldest events beyond that, so trimming costs are proportional
// to what is written and no single write pays for the whole backlog.
//
// Thread-safety: owned by one Database and used under its mutex (the Database calls the
// transaction hooks; writers call record() inside a Transaction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crmkit::db {

class Database;

// What happened to the entity.
enum class ChangeKind : std::uint8_t { Created, Updated, Deleted };
const char* change_kind_name(ChangeKind kind);

class ChangeFeed {
 public:
  // Records that `entity` (a static string such as "customer") `id` was created / updated /
  // deleted, naming the changed fields (names only: payloads carry no personal data).
  // `customer_id` is the customer the entity belongs to (the entity itself for a customer), which
  // the segment column store reloads; empty for entities of no customer (leads). `at` is the
  // writer's transaction time in ms. Outside a transaction the event is written at once.
  void record(Database& db, std::int64_t at, ChangeKind kind, const char* entity, std::int64_t id,
              std::optional<std::int64_t> customer_id, const std::vector<std::string>& fields = {});
  // The same for many entities with the same fields (bulk writes).
  void record_many(Database& db, std::int64_t at, ChangeKind kind, const char* entity,
                   const std::vector<std::int64_t>& ids, bool ids_are_customers,
                   const std::vector<std::string>& fields = {});

  // The same with the field list interned once beforehand (fields_id()), for bulk writes that
  // record a million changes with a handful of lists.
  std::uint32_t fields_id(const std::vector<std::string>& fields) { return intern(fields); }
  void record_interned(Database& db, std::int64_t at, ChangeKind kind, const char* entity, std::int64_t id,
                       std::optional<std::int64_t> customer_id, std::uint32_t fields);

  // Events kept at least (see the header comment); 0 keeps everything.
  std::int64_t keep() const { return keep_; }
  void set_keep(std::int64_t keep) { keep_ = keep; }

  // The newest event id ever assigned (0 when none was), retained or not: where the storage keeps
  // its id sequence is the dialect's business, not the readers'.
  static std::int64_t latest_id(Database& db);
  // The oldest retained event id; latest_id() + 1 when none is retained. One index probe.
  static std::int64_t oldest_id(Database& db);
  // The retained events: how many, and the oldest and newest ids (0 and 0 when none is kept).
  // Counts them all (crm.check()); readers that only need where the feed starts use oldest_id().
  struct Retained {
    std::int64_t count = 0, oldest = 0, newest = 0;
  };
  static Retained retained(Database& db);
  // The customers that events after `after` belong to, ascending and once each: what the
  // segment column store reloads.
  static std::vector<std::int64_t> customers_after(Database& db, std::int64_t after);

  // Pending (unflushed) events of the open transaction, for tests and diagnostics.
  std::size_t pending() const { return pending_.size(); }

  // Transaction hooks, called by Database.
  void on_savepoint();             // a savepoint opened
  void on_release();               // the innermost savepoint released into its parent
  void on_rollback_savepoint();    // the innermost savepoint rolled back
  void flush(Database& db);        // before COMMIT of the outermost transaction; throws on failure
  void clear();                    // after COMMIT or ROLLBACK of the outermost transaction

 private:
  struct Pending {
    std::int64_t at;
    std::int64_t id;
    std::int64_t customer_id;  // -1: none
    const char* entity;
    ChangeKind kind;
    std::uint32_t fields;  // index into field_lists_
  };
  std::uint32_t intern(const std::vector<std::string>& fields);
  std::uint32_t intern_sorted(const std::vector<std::string>& fields);
  std::uint32_t merge(std::uint32_t a, std::uint32_t b);
  void write(Database& db, const std::vector<Pending>& rows);

  std::vector<Pending> pending_;
  std::vector<std::size_t> marks_;  // pending_.size() when each open savepoint began
  // Field-name lists (sorted, unique) and their JSON payloads, interned: a bulk write records a
  // million changes with the same few lists.
  std::vector<std::vector<std::string>> field_lists_;
  std::vector<std::string> payloads_;
  std::unordered_map<std::string, std::uint32_t> list_index_;
  std::vector<std::string> last_input_;
  std::uint32_t last_index_ = 0;
  bool has_last_ = false;
  std::int64_t keep_ = 1'000'000;
};

}  // namespace crmkit::db
