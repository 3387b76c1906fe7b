#include "crmkit/ops/ops.hpp"

#include <algorithm>
#include <filesystem>

#include "crmkit/customers/lookup.hpp"
#include "crmkit/db/change_feed.hpp"
#include "crmkit/db/maintenance.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/relationship/facts.hpp"
#include "crmkit/workflow/ledger.hpp"

namespace crmkit::ops {
namespace {

// "1, 2, 3 and 7 more": ids in a message stay readable however many there are.
std::string some_ids(const std::vector<std::int64_t>& ids) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(ids.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > shown) out += " and " + std::to_string(ids.size() - shown) + " more";
  return out;
}

void check_integrity(db::Database& db, CheckResult& r) {
  for (const auto& line : db::integrity_problems(db, 20))
    r.problems.push_back({"integrity", "SQLite integrity_check: " + line});
}

void check_foreign_keys(db::Database& db, CheckResult& r) {
  const auto broken = db::broken_references(db);
  if (broken.count)
    r.problems.push_back({"foreign_keys", std::to_string(broken.count) + " rows refer to missing records (first: " +
                                              broken.first + ")"});
}

// Ids ascend by one per event (AUTOINCREMENT, assigned at commit) and retention deletes only the
// oldest, so the retained ids form one unbroken range ending at the sequence's last value.
void check_events(db::Database& db, CheckResult& r) {
  const auto kept = db::ChangeFeed::retained(db);
  const std::int64_t n = kept.count, lo = kept.oldest, hi = kept.newest;
  const std::int64_t seq = db::ChangeFeed::latest_id(db);
  r.events = n;
  if (n > 0 && hi - lo + 1 != n)
    r.problems.push_back({"events", "the change feed has gaps: " + std::to_string(hi - lo + 1 - n) +
                                        " event ids between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                        " are missing, so a reader following it has missed changes"});
  if (hi > seq)
    r.problems.push_back({"events", "the change feed's newest id " + std::to_string(hi) +
                                        " is beyond its sequence (" + std::to_string(seq) + "): ids could be reused"});
}

void check_schema(db::Database& db, CheckResult& r) {
  r.schema_version = db.schema_version();
  const int latest = db::Database::latest_schema_version();
  if (r.schema_version != latest)
    r.problems.push_back({"schema", "schema version " + std::to_string(r.schema_version) + ", expected " +
                                        std::to_string(latest)});
  if (db::application_id(db) != db::crmkit_application_id())
    r.problems.push_back({"schema", "the file's application id is not crmkit's"});
}

}  // namespace

BackupResult Operations::backup(const std::string& path) const {
  ctx_.require_admin("back up the database");
  db::Database& db = ctx_.db();
  BackupResult r;
  r.path = path;
  r.pages = db::backup(db, path);
  std::error_code ec;
  r.bytes = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
  r.schema_version = db.schema_version();
  return r;
}

CheckResult Operations::check() const {
  ctx_.require_admin("check the database");
  CheckResult r;
  db::Database& db = ctx_.db();
  // One read snapshot: every check sees the same commit point.
  db::Transaction tx(db, false);
  r.checks = {"schema", "integrity", "foreign_keys", "facts", "ledger", "events"};
  check_schema(db, r);
  check_integrity(db, r);
  check_foreign_keys(db, r);
  auto mismatched = relationship::Facts(ctx_).mismatches();
  if (!mismatched.empty())
    r.problems.push_back({"facts", std::to_string(mismatched.size()) +
                                       " customers' derived facts differ from a rebuild (customers " +
                                       some_ids(mismatched) + "); crm.facts.rebuild() recomputes them"});
  auto ledger = workflow::Audit(ctx_).verify();
  r.ledger_entries = ledger.entries;
  if (!ledger.ok)
    r.problems.push_back({"ledger", "the approval ledger does not verify" +
                                        (ledger.first_bad ? " at entry " + std::to_string(*ledger.first_bad) : std::string()) +
                                        ": " + ledger.reason});
  check_events(db, r);
  r.customers = customers::count_all(ctx_);
  tx.commit();
  r.ok = r.problems.empty();
  log::logger().info("ops.check ok={} problems={}", r.ok, r.problems.size());
  return r;
}

}  // namespace crmkit::ops
