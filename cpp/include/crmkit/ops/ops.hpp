// crmkit/ops/ops.hpp — operating a CRM database: online backups and a health check.
//
// backup() copies the committed state of the database to a new file while other processes keep
// writing (SQLite's online backup API, in the db layer) and verifies the copy before returning.
// check() looks for everything that should never happen and reports it instead of repairing it:
// SQLite's integrity and foreign-key checks, derived customer facts that disagree with a
// recomputation, a broken approval-ledger chain, a gap in the change feed, and a schema version
// or application id that is not this crmkit's. Both need the system view or the admin role.
//
// Thread-safety: value objects over a Context; see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::ops {

struct BackupResult {
  std::string path;        // the copy
  std::int64_t pages = 0;  // database pages copied
  std::int64_t bytes = 0;  // size of the copy
  int schema_version = 0;  // the copy's (equal to the source's)
};

// One thing check() found wrong.
struct Problem {
  std::string check;    // "integrity", "foreign_keys", "facts", "ledger", "events", "schema"
  std::string message;  // what is wrong, for a person
};

struct CheckResult {
  bool ok = true;                     // no problems
  std::vector<Problem> problems;      // in the order of `checks`
  std::vector<std::string> checks;    // the checks that ran
  int schema_version = 0;
  std::int64_t customers = 0;         // records seen, for a report's context
  std::int64_t ledger_entries = 0;
  std::int64_t events = 0;            // change-feed events retained
};

class Operations {
 public:
  explicit Operations(Context ctx) : ctx_(std::move(ctx)) {}

  // Throws ValidationError (field "path") when the target exists or its directory does not,
  // StorageError inside an open transaction or when the copy fails to verify, PermissionDenied
  // for a user without the admin role.
  BackupResult backup(const std::string& path) const;
  // Writes nothing. Throws PermissionDenied for a user without the admin role.
  CheckResult check() const;

 private:
  Context ctx_;
};

}  // namespace crmkit::ops
