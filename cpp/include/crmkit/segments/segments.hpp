// crmkit/segments/segments.hpp — saved segments, static groups, snapshots and diffs, auto-tags
// and auto-stages.
//
// A segment is a named rule (docs/rules.md) re-evaluated on every read; a group is a static list
// of customers. Both respect the view's scope: a scoped view counts, lists and snapshots only the
// customers it can see. Auto-tag and auto-stage rules own their tag or stage assignment: apply()
// adds and removes tags, and moves stages, so that customers match the rules, recording each
// change in the customer's history with the rule's name. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::segments {

struct Segment {
  std::int64_t id = 0;
  std::string name;
  std::string rule;
  Timestamp created_at;
  Timestamp updated_at;
  std::int64_t version = 1;
};

struct Snapshot {
  std::int64_t id = 0;
  std::string segment;
  Timestamp taken_at;
  std::int64_t count = 0;
};

struct SegmentDiff {
  std::string segment;
  std::int64_t since = 0;  // the snapshot compared against
  std::vector<std::int64_t> entered;
  std::vector<std::int64_t> left;
};

// How a segment is evaluated: over the in-memory columns (memory speed, refreshed incrementally
// from the change feed) or by compiling the rule to SQL. Both give the same answer; the property
// tests check it. Auto, the default, is the cold-path policy: the columns when the engine's column
// store already holds what the rule reads; otherwise SQL for the first kColdSqlAnswers such
// answers since the store last loaded, and the call after those loads the columns and answers from
// them. So a process that counts once never pays for loading every customer, and one that counts
// repeatedly gets memory speed from its second count on (docs/architecture.md, "Segments").
enum class Evaluator { Auto, Columns, Sql };
// "auto", "columns" or "sql"; ValidationError naming `engine` otherwise.
Evaluator parse_evaluator(const std::string& name);
inline constexpr std::int64_t kColdSqlAnswers = 1;

// The engine's column store as Auto evaluation sees it (Segments::store_status).
struct StoreStatus {
  bool created = false;                 // a store exists for this engine
  std::int64_t full_loads = 0;          // loads of every resident column for every customer
  std::int64_t incremental_refreshes = 0;
  std::int64_t columns_resident = 0;
  std::int64_t sets_resident = 0;       // tags plus groups held
  std::int64_t last_seq = 0;            // newest change-feed event applied
  std::int64_t sql_answers = 0;         // Auto answers given through SQL because the columns were cold
  std::int64_t column_answers = 0;      // answers given from the columns (Auto or Columns)
};

class Segments {
 public:
  explicit Segments(Context ctx) : ctx_(std::move(ctx)) {}
  // Saves a rule under a name. RuleSyntaxError for a bad rule, Conflict if the name is taken,
  // ValidationError for an empty or overlong name.
  Segment define(const std::string& name, const std::string& rule);
  // Replaces the rule of an existing segment (snapshots keep their members).
  Segment redefine(const std::string& name, const std::string& rule);
  Segment get(const std::string& name) const;
  void remove(const std::string& name);
  // Columns: id, name, rule, created_at, updated_at.
  Table list() const;

  std::int64_t count(const std::string& name, Evaluator how = Evaluator::Auto) const;
  std::vector<std::int64_t> ids(const std::string& name, Evaluator how = Evaluator::Auto) const;
  // The members as customers.find() columns, ordered by id.
  Table members(const std::string& name, std::int64_t limit = -1, std::int64_t offset = 0) const;
  // Ad hoc rules, not saved.
  Table evaluate(const std::string& rule, std::int64_t limit = -1, std::int64_t offset = 0) const;
  std::int64_t count_rule(const std::string& rule, Evaluator how = Evaluator::Auto) const;
  std::vector<std::int64_t> ids_rule(const std::string& rule, Evaluator how = Evaluator::Auto) const;
  // Every clause of the segment's rule with the customer's value and result (columns: clause,
  // value, result, depth), evaluated in C++.
  Table explain(const std::string& name, std::int64_t customer_id) const;
  bool contains(const std::string& name, std::int64_t customer_id) const;

  // Stores who is in the segment now; diff() compares the present with a snapshot.
  Snapshot snapshot(const std::string& name);
  SegmentDiff diff(const std::string& name, std::optional<std::int64_t> since = std::nullopt) const;
  // Columns: id, taken_at, count.
  Table snapshots(const std::string& name) const;

  // Diagnostics of the engine's column store (shared by every view of the engine); reads nothing
  // from the database.
  StoreStatus store_status() const;

 private:
  Context ctx_;
};

class Groups {
 public:
  explicit Groups(Context ctx) : ctx_(std::move(ctx)) {}
  std::int64_t add(const std::string& name);
  void remove(const std::string& name);
  // Returns how many were added (ids already members are skipped; unknown or out-of-scope ids
  // raise NotFound / PermissionDenied and add nothing).
  std::int64_t add_members(const std::string& name, const std::vector<std::int64_t>& customer_ids);
  std::int64_t remove_members(const std::string& name, const std::vector<std::int64_t>& customer_ids);
  std::vector<std::int64_t> ids(const std::string& name) const;
  Table members(const std::string& name) const;
  // Columns: id, name, members, created_at.
  Table list() const;

 private:
  Context ctx_;
};

// Auto-tags ("at_risk" when days_since_contact > 60) and auto-stages.
class AutoRules {
 public:
  // kind: "tag" or "stage".
  AutoRules(Context ctx, std::string kind) : ctx_(std::move(ctx)), kind_(std::move(kind)) {}
  // Adds or replaces the rule that owns `target` (a tag, or a lifecycle stage). Stage rules are
  // tried in the order added; the first that matches decides a customer's stage.
  void add(const std::string& target, const std::string& rule);
  void remove(const std::string& target);
  // Columns: target (tag or stage), rule, position.
  Table list() const;
  // Brings tags / stages in line with the rules. Columns: target, added, removed (for stages:
  // moved into the stage, and 0).
  Table apply();

 private:
  Context ctx_;
  std::string kind_;
};

// The members of a saved segment as the context's principal sees them (installed as
// relationship::Audiences so that revisit plans can target segments).
std::vector<std::int64_t> segment_members(const Context& ctx, const std::string& name);

}  // namespace crmkit::segments
