// crmkit/relationship/revisits.hpp — periodic revisit plans (定期回访).
//
// A plan names its customers by a saved segment, a static group or a tag, an interval in days and
// who gets the task: the customer's owner, or one named user. `run()` creates a revisit task for
// every member that is due: not contacted within the interval, no open revisit task of the plan,
// and no revisit task of the plan created within the interval. So run() may be called as often as
// wished (a scheduler, several processes): each due revisit task is created exactly once. Members
// without an assignee (owner rule, customer in the pool) are skipped.
// Segment plans resolve members through Engine::segment_members (installed by the segments
// domain). Plans are configuration: adding and removing them needs the admin role.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

struct RevisitPlan {
  std::int64_t id = 0;
  std::string name;
  std::string target_kind;  // segment | group | tag
  std::string target;
  std::int64_t every_days = 30;
  std::optional<std::int64_t> assignee_id;  // empty: the customer's owner
  std::string title;
  Timestamp created_at;
  Timestamp updated_at;
  std::int64_t version = 1;
};

struct RevisitPlanInput {
  std::string name;
  std::string target_kind;  // segment | group | tag
  std::string target;
  std::int64_t every_days = 30;
  std::optional<std::int64_t> assignee_id;  // empty: the owner
  std::optional<std::string> title;         // default: "回访: <plan name>"
};

struct RevisitRun {
  std::vector<std::int64_t> task_ids;        // tasks created by this run
  std::int64_t skipped_without_assignee = 0;  // due members in the pool (owner rule)
};

class Revisits {
 public:
  explicit Revisits(Context ctx) : ctx_(std::move(ctx)) {}

  // Creates the plan, or replaces the plan of that name. Throws ValidationError (target, every_days,
  // "segments are not available" when no segment resolver is installed), NotFound (group, user,
  // segment), PermissionDenied (not admin).
  RevisitPlan plan(const RevisitPlanInput& input);
  RevisitPlan get(const std::string& name) const;
  // Columns: id, name, target_kind, target, every_days, assignee, assignee_id, title, open_tasks.
  Table list() const;
  void remove(const std::string& name);
  // Runs every plan (or only `name`). Idempotent: see the header comment.
  RevisitRun run(const std::optional<std::string>& name = std::nullopt);

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
