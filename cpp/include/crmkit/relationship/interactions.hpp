// crmkit/relationship/interactions.hpp — the record of every contact with a customer (沟通记录).
//
// An interaction is a call, visit, email, wechat message, meeting or other contact: who, when,
// a summary and optionally the contact person. Logging one updates the customer's derived facts
// (last_contact_at, interaction_count) in the same transaction, and `next_follow_up` creates a
// follow-up task for the interaction's author. Every call is one transaction and changes nothing
// when it throws. A scoped view (Crm::as_user) sees and logs interactions only of customers in its
// scope. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

// "call", "visit", "email", "wechat", "meeting", "other".
const std::vector<std::string>& interaction_kinds();

// How far in the future an interaction's time may lie (clock skew between devices).
constexpr std::int64_t kFutureTolerance = 5 * 60 * kMillisPerSecond;

struct Interaction {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string kind;
  std::optional<std::int64_t> user_id;  // the author; empty when the system logged it
  Timestamp at;
  std::string summary;
  std::optional<std::int64_t> contact_id;
  std::optional<std::int64_t> follow_up_task_id;
  Timestamp created_at;
};

struct InteractionInput {
  std::int64_t customer_id = 0;
  std::string kind;
  std::optional<std::int64_t> by;     // default: the acting user
  std::string summary;
  std::optional<Timestamp> at;        // default: now
  std::optional<std::int64_t> contact_id;
  std::optional<Timestamp> next_follow_up;  // creates a follow-up task due then
  bool follow_up_all_day = false;           // next_follow_up is a date (due by the end of that day)
  std::optional<std::string> follow_up_title;
};

struct InteractionQuery {
  std::optional<std::int64_t> customer_id;
  std::optional<std::int64_t> by;
  std::optional<Timestamp> since;     // at >= since
  std::optional<Timestamp> until;     // at < until
  std::int64_t limit = 50;            // -1: no limit
  std::int64_t offset = 0;
};

class Interactions {
 public:
  explicit Interactions(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }

  // Throws ValidationError (unknown kind, a time more than 5 minutes in the future, a contact of
  // another customer, a follow-up before the interaction), NotFound, PermissionDenied.
  Interaction log(const InteractionInput& input);
  // All or nothing in one transaction; facts are updated once per customer. A bad row raises
  // ValidationError with row() and field().
  std::vector<std::int64_t> log_many(const std::vector<InteractionInput>& inputs);
  Interaction get(std::int64_t id) const;
  // Removes the interaction (its follow-up task stays) and recomputes the customer's contact facts.
  void remove(std::int64_t id);
  // Newest first (at, then id, descending). Columns: id, customer_id, customer, kind, user_id,
  // user, at, summary, contact_id, follow_up_task_id, created_at.
  Table list(const InteractionQuery& query) const;
  // The first interaction of the customer with this kind, time and summary (how an import run
  // again recognises the rows it logged before); no scope check.
  std::optional<std::int64_t> find_same(std::int64_t customer_id, Timestamp at, const std::string& kind,
                                        const std::string& summary) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
