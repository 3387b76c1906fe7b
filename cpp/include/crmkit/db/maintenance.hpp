// crmkit/db/maintenance.hpp — whole-file operations on a database: the online backup and the
// identity a crmkit file carries, and the storage engine's own consistency checks. SQLite
// specifics stay behind these functions.
//
// Thread-safety: backup() takes the database's mutex only to read its state; the copy itself runs
// on a connection of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crmkit/db/database.hpp"

namespace crmkit::db {

// The application id crmkit writes into every file's header (PRAGMA application_id), and the one
// the open file carries.
std::int64_t crmkit_application_id();
std::int64_t application_id(Database& db);

// What the storage engine's own consistency check reports: at most `limit` lines, none when the
// file is sound.
std::vector<std::string> integrity_problems(Database& db, int limit);

// Rows whose foreign key refers to a row that does not exist: how many, and the first as
// "table row N refers to a missing parent" (empty when there are none).
struct BrokenReferences {
  std::int64_t count = 0;
  std::string first;
};
BrokenReferences broken_references(Database& db);

// Copies every transaction committed so far into the new single-file database `target`. A file
// database is read through a connection of its own with SQLite's online backup API in one step,
// so the copy is one commit point while other connections and processes keep writing (in WAL
// mode a reader does not block writers); an in-memory database is copied with VACUUM INTO. The
// copy is switched to a rollback journal (one self-contained file), passes PRAGMA
// integrity_check and carries the source's schema version and crmkit's application id before
// this returns; on any failure the partial file is removed. Throws ValidationError (field
// "path") when `target` exists, is the database itself or lies in a directory that does not
// exist, and StorageError inside an open transaction of `db` (the copy would not hold its
// uncommitted changes) or when the copy fails. Returns the pages copied.
std::int64_t backup(Database& db, const std::string& target);

}  // namespace crmkit::db
