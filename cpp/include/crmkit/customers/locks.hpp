// crmkit/customers/locks.hpp — the approval lock of a customer. A higher layer (the workflow engine) sets it while an approval
// request on the customer is pending at a step and clears it when the request ends; the
// customers' own write paths refuse edits meanwhile. The lock is two columns of the customer
// (the request and the step it waits at), so that the customers domain can explain a refusal
// without knowing anything about approvals. Thread-safety: as the Context's database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"

namespace crmkit::customers {

// Sets the lock (request and step) or, with nullopt, clears it. Runs in the caller's transaction.
void set_approval_lock(const Context& ctx, std::int64_t customer_id, std::optional<std::int64_t> request,
              const std::optional<std::string>& step);
// Throws Conflict naming the request and its pending step when the customer is locked; `action`
// completes "it cannot ..." ("be changed", "be deleted", ...).
void require_unlocked(const Context& ctx, std::int64_t customer_id, const char* action);

}  // namespace crmkit::customers
