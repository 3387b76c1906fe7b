// crmkit/imports/imports.hpp — moving spreadsheet rows into the CRM (数据迁移): clean, match, write.
//
// An import reads any io::RowSource once, front to back. The mapping (file header → crmkit
// field, built-in or custom) is checked before a row is read. Each mapped cell is cleaned by the
// io::clean rules (NFKC text, E.164 phones, e-mails, dates, amounts); a cell that does not clean
// is a problem of its row and column, and the row is not written. Good rows are matched against
// the database and the rows before them in the file (phone, e-mail, company-name similarity for
// customers; docs/import.md) and then created, or skipped / used to update the match as
// `on_match` says. Writes go through the owning domains' services, so they are validated, scoped,
// recorded in history and in the change feed like any other write.
//
// One call is one transaction. dry_run runs the whole import and rolls it back: the report is
// exactly what the real run would report, and nothing is written. all_or_nothing rolls back
// when any row has a problem. Re-running a file finds what the first run created (on_match
// "skip" by default), so it creates no duplicates.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/io/row_source.hpp"
#include "crmkit/table.hpp"

namespace crmkit::imports {

enum class OnMatch { Skip, Update, Create };
// "skip" | "update" | "create"; anything else is a ValidationError on field "on_match".
OnMatch parse_on_match(const std::string& text);

struct ImportOptions {
  // File header → target field, in the file's order. Empty: headers that are target names map
  // to themselves.
  std::vector<std::pair<std::string, std::string>> mapping;
  bool dry_run = false;
  bool all_or_nothing = false;
  OnMatch on_match = OnMatch::Skip;
  // Called with (rows or bytes done, total; 0 = unknown) at least every 1% and at the end.
  std::function<void(std::uint64_t, std::uint64_t)> on_progress;
  std::string region = "CN";          // for phone numbers without a country code
  double name_threshold = 0.8;        // company-name similarity that counts as a match
};

struct ImportReport {
  std::string entity;
  std::string encoding;
  std::int64_t rows = 0;      // data rows read
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t skipped = 0;   // matched and left as they were
  std::int64_t failed = 0;    // rows with a problem (not written)
  bool dry_run = false;
  bool committed = false;     // false for a dry run and for an all_or_nothing run with problems
  Table problems;             // row, column, value, message
  Table matches;              // row, customer_id, record_id, score, rule, action
};

class Imports {
 public:
  explicit Imports(Context ctx) : ctx_(std::move(ctx)) {}

  ImportReport customers(io::RowSource& source, const ImportOptions& options);
  // Targets: customer (an id, or a phone / e-mail / name of the customer), name, title, phone,
  // email, custom contact fields. A contact with the same phone or e-mail is a match.
  ImportReport contacts(io::RowSource& source, const ImportOptions& options);
  // Targets: customer, kind, summary, at, by (login or id). The same customer, kind, time and
  // summary is a match.
  ImportReport interactions(io::RowSource& source, const ImportOptions& options);
  // Targets: customer, amount, at, note. The same customer, time and amount is a match.
  ImportReport orders(io::RowSource& source, const ImportOptions& options);
  // Targets: name, company, phone, email, source, owner, custom lead fields. A lead with the same
  // phone or e-mail is a match.
  ImportReport leads(io::RowSource& source, const ImportOptions& options);

  // The target fields an entity's import accepts (built-in then custom), for checking a mapping.
  // Throws ValidationError for an entity that cannot be imported.
  std::vector<std::string> targets(const std::string& entity) const;
  // Checks a mapping's targets as the import of `entity` will, without a source: throws
  // ValidationError naming an unknown or doubly mapped field.
  void check_mapping(const std::string& entity, const ImportOptions& options) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::imports
