// crmkit/paging.hpp — the one rule for paging arguments (limit, offset, keyset cursors).
//
// Every list/find/members call of the services checks its paging arguments here first, so that
// a bad value is refused the same way everywhere: a ValidationError whose field is the
// argument's name and whose message reads "<name> must not be negative (got -5)",
// "<name> must be at least 1 (got 0)" or "<name> must be at most 1000 (got 5000)".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>

namespace crmkit::paging {

// A limit meaning "every row": the default of every list call in the services.
inline constexpr std::int64_t kNoLimit = -1;

// What a call accepts beyond "not negative".
struct Rules {
  bool zero_limit = true;              // a limit of 0 (an empty page) is allowed
  bool no_limit = true;                // kNoLimit is allowed (otherwise every call is one page)
  std::int64_t max_limit = kNoLimit;   // the largest page (kNoLimit: no maximum)
};

// Throws ValidationError naming "limit" unless `limit` is kNoLimit (where allowed) or a count
// within the rules.
void check_limit(std::int64_t limit, const Rules& rules = {});
// Throws ValidationError naming "offset" when `offset` is negative.
void check_offset(std::int64_t offset);
// Both, limit first.
void check(std::int64_t limit, std::int64_t offset, const Rules& rules = {});
// Throws ValidationError naming `name` when a keyset cursor (the id to continue after) is negative.
void check_cursor(std::optional<std::int64_t> after, const char* name = "after");
// A limit a caller wrote out (never the kNoLimit default): any negative value is refused, -1
// included. For front ends whose "every row" is spelled otherwise (Python's None).
void check_explicit_limit(std::int64_t limit);

}  // namespace crmkit::paging
