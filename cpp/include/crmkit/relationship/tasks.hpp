// crmkit/relationship/tasks.hpp — follow-up tasks and reminders (跟进提醒).
//
// A task belongs to a customer and is assigned to a user; it is open until completed or
// cancelled. Tasks are also generated: follow-ups of interactions, revisits of revisit plans, and
// warnings before the pool reclaims a customer. A task due on a date (all_day) is overdue once that
// day has ended (UTC); a task due at an instant is overdue from that instant. "Now" is the engine's
// clock. Every call is one transaction; status changes are recorded in history (entity "task").
// A scoped view sees tasks of customers in its scope and tasks assigned to its user.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

struct Task {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string title;
  std::string kind = "task";  // task | follow_up | revisit | pool_warning
  Timestamp due_at;
  bool all_day = false;
  std::optional<std::int64_t> assignee_id;
  std::string status = "open";  // open | done | cancelled
  std::optional<std::string> notes;
  std::optional<std::int64_t> interaction_id;
  std::optional<std::int64_t> plan_id;
  std::optional<std::int64_t> created_by;
  Timestamp created_at;
  std::optional<Timestamp> closed_at;
  Timestamp updated_at;
  std::int64_t version = 1;
};

struct TaskInput {
  std::int64_t customer_id = 0;
  std::string title;
  Timestamp due;
  bool all_day = false;                     // `due` is the start of a local day: due all that day
  std::optional<std::int64_t> assignee;     // default: the acting user, else the customer's owner
  std::optional<std::string> notes;
};

struct TaskQuery {
  std::optional<std::int64_t> assignee;
  std::optional<std::int64_t> customer_id;
  std::optional<std::string> status;        // default for list(): all
  std::optional<std::string> kind;
  std::optional<Timestamp> after;           // due_at >= after
  std::optional<Timestamp> before;          // due_at < before
  std::int64_t limit = -1;
  std::int64_t offset = 0;
};

class Tasks {
 public:
  explicit Tasks(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }

  // Throws ValidationError (empty title, due before now), NotFound, PermissionDenied.
  Task add(const TaskInput& input);
  Task get(std::int64_t id) const;
  // Throws ValidationError (field "status") unless the task is open.
  Task complete(std::int64_t id);
  Task reassign(std::int64_t id, std::int64_t to);
  Task cancel(std::int64_t id, const std::optional<std::string>& reason = std::nullopt);
  // Open tasks due before `before` (default: the end of today) and at or after `after`, soonest
  // first. Columns as list().
  Table due(std::optional<std::int64_t> assignee, std::optional<Timestamp> before,
            std::optional<Timestamp> after = std::nullopt) const;
  // Open tasks whose deadline has passed at `at` (default: now), most overdue first.
  Table overdue(std::optional<std::int64_t> assignee, std::optional<Timestamp> at = std::nullopt) const;
  // Columns: id, customer_id, customer, title, kind, due_at, all_day, assignee_id, status, notes,
  // interaction_id, plan_id, created_at, closed_at, version. Ordered by due_at, id.
  Table list(const TaskQuery& query) const;

 private:
  Context ctx_;
};

// Keeps every all-day task on its date when the database's time zone changes from `from` to
// `to`: a task due on a date is stored as the instant its local day begins, so each open or
// closed all-day task is moved to the start of the same date in `to`. Part of the caller's
// transaction (Crm::set_timezone).
void rezone_all_day_tasks(const Context& ctx, const TimeZone& from, const TimeZone& to);

}  // namespace crmkit::relationship
