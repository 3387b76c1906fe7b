// crmkit/customers/customers.hpp — customers: add, read, update, delete, find, tags, stages.
//
// Every call is one transaction and leaves the database unchanged when it throws. A scoped view
// (Crm::as_user) reads only customers whose owner its role covers and raises PermissionDenied on
// anything else; each change of a field, tag, stage or owner is one row of field-level history.
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/customers/customer.hpp"
#include "crmkit/table.hpp"

namespace crmkit::customers {

struct IdentityKeys;  // crmkit/customers/keys.hpp

struct CustomerQuery {
  std::optional<std::string> name_contains;
  std::optional<std::string> tag;
  std::optional<std::int64_t> owner;
  bool unowned = false;  // only customers in the public pool
  std::optional<std::int64_t> team;  // owners in the team or its sub-teams
  std::optional<std::string> stage;
  std::optional<std::string> industry;
  std::optional<std::string> kind;
  std::optional<std::string> source;
  std::optional<std::string> where;      // a rule (docs/rules.md), e.g. 'lifetime_value > 10000'
  std::optional<std::int64_t> after_id;  // keyset paging: only ids greater than this
  std::int64_t limit = -1;               // -1: no limit
  std::int64_t offset = 0;
};

// A row of a batch that a checked batch write left out, and why: the index of the row in the
// batch, the field at fault ("" for the row as a whole) and the message.
struct RowRejection {
  std::int64_t row = 0;
  std::string field;
  std::string message;
};

// What add_valid wrote: one entry per input row, the new id or nothing for a rejected row.
struct BatchAdd {
  std::vector<std::optional<std::int64_t>> ids;
  std::vector<RowRejection> rejected;
};

class Customers {
 public:
  explicit Customers(Context ctx) : ctx_(std::move(ctx)) {}
  const Context& context() const { return ctx_; }

  // Throws ValidationError (field named), NotFound (owner), PermissionDenied (owner outside scope).
  Customer add(const CustomerInput& input);
  // All or nothing, in one transaction. A bad row raises ValidationError with row() and field().
  std::vector<std::int64_t> add_many(const std::vector<CustomerInput>& inputs);
  // The same bulk write for imports: rows that fail validation (ValidationError,
  // PermissionDenied) are reported in `rejected` and left out, the others are written in one
  // transaction. With `check_only`, validates and writes nothing (ids stay empty).
  // `keys`, when given, holds each input's identity keys as the caller already computed them
  // from the same cleaned values (an import matches on them first), so they are not derived
  // twice; it must be as long as `inputs`.
  BatchAdd add_valid(const std::vector<CustomerInput>& inputs, bool check_only = false,
                     const std::vector<IdentityKeys>* keys = nullptr);
  Customer get(std::int64_t id) const;
  // Applies the given attributes, fields and (if present) tag set. With `expected_version`, a
  // record changed since that version raises Conflict.
  Customer update(std::int64_t id, const CustomerInput& changes,
                  std::optional<std::int64_t> expected_version = std::nullopt);
  void remove(std::int64_t id, std::optional<std::int64_t> expected_version = std::nullopt);
  // Ordered by id (stable paging). Columns: id, name, kind, industry, owner_id, source, phone,
  // email, stage, tags, version, created_at, updated_at, then one column per custom field.
  Table find(const CustomerQuery& query) const;
  std::int64_t count(const CustomerQuery& query) const;
  Customer tag(std::int64_t id, const std::string& tag, const std::optional<std::string>& reason = std::nullopt);
  Customer untag(std::int64_t id, const std::string& tag, const std::optional<std::string>& reason = std::nullopt);
  Customer set_stage(std::int64_t id, const std::string& stage,
                     const std::optional<std::string>& reason = std::nullopt);
  // Field-level history of the customer, oldest first (the creation is the first row).
  Table history(std::int64_t id) const;
  // Throws NotFound / PermissionDenied unless the customer exists and is in scope.
  void require_visible(std::int64_t id) const;
  // Ranked full-text search, scoped like find (crmkit/customers/search.hpp, search.cpp).
  Table search(const std::string& query, std::int64_t limit = 20) const;

 private:
  Context ctx_;
};

class Contacts {
 public:
  explicit Contacts(Context ctx) : ctx_(std::move(ctx)) {}
  Contact add(std::int64_t customer_id, const ContactInput& input);
  Contact get(std::int64_t id) const;
  Contact update(std::int64_t id, const ContactInput& changes,
                 std::optional<std::int64_t> expected_version = std::nullopt);
  void remove(std::int64_t id);
  // Columns: id, customer_id, name, title, phone, email, created_at, updated_at, version, then
  // the custom fields.
  Table list(std::int64_t customer_id) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::customers
