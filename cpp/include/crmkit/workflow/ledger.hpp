// crmkit/workflow/ledger.hpp — the append-only, hash-chained approval ledger (审批日志).
//
// Every entry stores the SHA-256 of the previous entry (prev_hash; 64 zeros for the first) and
// its own hash over a canonical serialisation of its content and prev_hash (see
// docs/workflows.md). Entries are appended inside the write transaction of the change they
// record; BEGIN IMMEDIATE serialises writers across processes, so the chain never forks.
// verify() recomputes the chain and names the first entry that does not match; with the head
// hash kept elsewhere it also detects deleted trailing entries.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::workflow {

struct Verification {
  bool ok = true;
  std::int64_t entries = 0;                // entries checked
  std::optional<std::int64_t> first_bad;   // the first entry id that does not match
  std::string reason;                      // empty when ok
  std::string head;                        // the hash of the last entry ("" for an empty ledger)
};

class Audit {
 public:
  explicit Audit(Context ctx) : ctx_(std::move(ctx)) {}
  // The hash of the latest entry; "" when the ledger is empty.
  std::string head() const;
  Verification verify(const std::optional<std::string>& expected_head = std::nullopt) const;
  // Columns: id, at, kind, request_id, workflow, workflow_version, entity, entity_id, step, round,
  // actor_id, on_behalf_of, comment, record, detail, prev_hash, hash.
  Table entries(std::optional<std::int64_t> after_id = std::nullopt, std::int64_t limit = -1) const;

 private:
  Context ctx_;
};

// SHA-256 of `data` as 64 lower-case hex digits (OpenSSL EVP).
std::string sha256_hex(const std::string& data);

}  // namespace crmkit::workflow
