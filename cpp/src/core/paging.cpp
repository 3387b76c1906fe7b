#include "crmkit/paging.hpp"

#include <string>

#include "crmkit/error.hpp"

namespace crmkit::paging {
namespace {

[[noreturn]] void refuse(const char* name, const std::string& rule, std::int64_t got) {
  throw ValidationError(std::string(name) + " must " + rule + " (got " + std::to_string(got) + ")", name);
}

}  // namespace

void check_limit(std::int64_t limit, const Rules& rules) {
  if (limit == kNoLimit && rules.no_limit) return;
  if (limit < 0) refuse("limit", "not be negative", limit);
  if (limit == 0 && !rules.zero_limit) refuse("limit", "be at least 1", limit);
  if (rules.max_limit != kNoLimit && limit > rules.max_limit)
    refuse("limit", "be at most " + std::to_string(rules.max_limit), limit);
}

void check_offset(std::int64_t offset) {
  if (offset < 0) refuse("offset", "not be negative", offset);
}

void check(std::int64_t limit, std::int64_t offset, const Rules& rules) {
  check_limit(limit, rules);
  check_offset(offset);
}

void check_cursor(std::optional<std::int64_t> after, const char* name) {
  if (after && *after < 0) refuse(name, "not be negative", *after);
}

void check_explicit_limit(std::int64_t limit) {
  if (limit < 0) refuse("limit", "not be negative", limit);
}

}  // namespace crmkit::paging
