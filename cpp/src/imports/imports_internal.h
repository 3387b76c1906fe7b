// What the entity imports share: the checked mapping, cell cleaning by field type, the report
// under construction and progress.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/imports/imports.hpp"
#include "crmkit/io/row_source.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/value.hpp"

namespace crmkit::imports::internal {

// How a built-in target is cleaned.
enum class Kind { Text, Name, Phone, Email, Date, Amount, User, Tags, CustomerRef, Custom };

struct Target {
  std::string field;     // the crmkit field
  Kind kind = Kind::Text;
  const schema::FieldDef* custom = nullptr;  // for Kind::Custom
  std::string header;    // the file's column
  std::size_t column = 0;  // its index in the source's header
};

struct BuiltIn {
  const char* field;
  Kind kind;
};

// The built-in targets of an entity's import ("customers", "contacts", ...) and the entity whose
// custom fields it also accepts ("" for none). Throws ValidationError for another entity.
const std::vector<BuiltIn>& builtins_of(const std::string& entity);
std::string custom_entity_of(const std::string& entity);

// Checks `options.mapping` against the entity's built-in targets and its custom fields (before
// the source is read), then finds each mapped header in the source's header. Throws
// ValidationError naming the unknown target (field = the target) or the missing header.
std::vector<Target> resolve_mapping(const ImportOptions& options, const std::vector<BuiltIn>& builtins,
                                    const schema::FieldSet& fields, const io::RowSource* source);

// A cleaned cell: a Value to hand to the service, or a problem.
struct CellResult {
  std::optional<Value> value;  // empty with an empty problem: a blank cell (not set)
  std::string problem;
};

// Users by login (and id as text), for owner / by / user-field cells.
struct UserDirectory {
  std::unordered_map<std::string, std::int64_t> by_login;
  std::unordered_map<std::int64_t, bool> ids;
  static UserDirectory load(const Context& ctx);
  std::optional<std::int64_t> find(const std::string& text) const;
};

CellResult clean_cell(const Target& t, const std::string& raw, const ImportOptions& options,
                      const UserDirectory& users);

// Splits a list cell on , ， ; ； 、 | (after NFKC: full-width commas are ASCII already).
std::vector<std::string> split_list(const std::string& text);

// The report under construction.
class Report {
 public:
  Report(std::string entity, const io::RowSource& source, const ImportOptions& options);
  void problem(std::int64_t row, const std::string& column, const std::string& value, const std::string& message);
  void match(std::int64_t row, std::optional<std::int64_t> customer_id, std::optional<std::int64_t> record_id,
             double score, const std::string& rule, OnMatch action);
  ImportReport& out() { return out_; }
  // Rows with at least one problem so far.
  bool has_problems() const { return !bad_rows_.empty(); }
  bool row_failed(std::int64_t row) const { return bad_rows_.count(row) > 0; }
  ImportReport finish(bool committed);

 private:
  ImportReport out_;
  std::unordered_map<std::int64_t, bool> bad_rows_;
};

// Calls on_progress at least every 1% of the source, and once at the end.
class Progress {
 public:
  Progress(const io::RowSource& source, const ImportOptions& options) : source_(source), options_(options) {}
  void tick(std::int64_t rows);
  void done(std::int64_t rows);

 private:
  const io::RowSource& source_;
  const ImportOptions& options_;
  std::uint64_t next_ = 0;
};

const char* action_name(OnMatch m);

// The customer a reference cell names: an id, or the phone / e-mail / name key of one customer.
// nullopt with `why` set when it names none (or, by name, several).
std::optional<std::int64_t> resolve_customer(const Context& ctx, const std::string& text, const ImportOptions& options,
                                             std::string& why);

}  // namespace crmkit::imports::internal
