// crmkit/relationship/tickets.hpp — service tickets (服务记录) and satisfaction surveys (满意度回访).
//
// A ticket is opened for a customer, collects notes, and is closed with an optional satisfaction
// score 1–5; it may be reopened, which withdraws its score until it is closed again. The customer's
// open_tickets and average satisfaction are kept current in the same transaction. Every call is
// one transaction; status changes are recorded in history (entity "ticket"). A scoped view sees
// tickets of customers in its scope. Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"
#include "crmkit/time.hpp"

namespace crmkit::relationship {

struct Ticket {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string title;
  std::string status = "open";  // open | closed
  std::optional<std::int64_t> opened_by;
  Timestamp opened_at;
  std::optional<std::int64_t> closed_by;
  std::optional<Timestamp> closed_at;
  std::optional<std::int64_t> satisfaction;  // 1..5
  std::int64_t reopened = 0;                 // how often it was reopened
  Timestamp updated_at;
  std::int64_t version = 1;
};

class Tickets {
 public:
  explicit Tickets(Context ctx) : ctx_(std::move(ctx)) {}

  // `by` defaults to the acting user. `note`, when given, becomes the first note.
  Ticket open(std::int64_t customer_id, const std::string& title, std::optional<std::int64_t> by = std::nullopt,
              const std::optional<std::string>& note = std::nullopt);
  // Appends a note; returns its id. Notes may be added to closed tickets too (follow-up remarks).
  std::int64_t note(std::int64_t ticket_id, const std::string& body, std::optional<std::int64_t> by = std::nullopt);
  // Throws ValidationError (field "satisfaction" outside 1..5; field "status" when not open).
  Ticket close(std::int64_t ticket_id, std::optional<std::int64_t> satisfaction = std::nullopt,
               std::optional<std::int64_t> by = std::nullopt);
  // Throws ValidationError (field "status") unless closed.
  Ticket reopen(std::int64_t ticket_id, const std::optional<std::string>& reason = std::nullopt);
  Ticket get(std::int64_t ticket_id) const;
  void remove(std::int64_t ticket_id);
  // Columns: id, ticket_id, body, user_id, user, at. Oldest first.
  Table notes(std::int64_t ticket_id) const;
  // Columns: id, customer_id, customer, title, status, opened_by, opened_at, closed_at,
  // satisfaction, reopened, version. Newest first.
  Table list(std::optional<std::int64_t> customer_id = std::nullopt,
             const std::optional<std::string>& status = std::nullopt, std::int64_t limit = -1,
             std::int64_t offset = 0) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::relationship
