// crmkit/dialect.hpp — the SQL text that differs from one storage engine to the next.
//
// Domains write their statements in the SQL that SQLite and PostgreSQL share — `?` and `?N`
// placeholders (each backend's Stmt translates them), INSERT ... ON CONFLICT for upserts and
// inserts that may meet an existing row, WITH RECURSIVE, RETURNING-free inserts whose id comes
// from Database::last_insert_id() — and ask the Dialect for the rest: reading and editing the
// JSON of custom fields, expanding a JSON list into rows, two-argument greatest/least, text
// search, aggregation into a JSON list, and the catalog queries. One Dialect per Database
// (Database::dialect()); the rule compiler, below the database layer, gets it through the rule
// catalog. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace crmkit {

class Dialect {
 public:
  virtual ~Dialect() = default;

  // The value of key `key` (an identifier: letters, digits, underscore) of the JSON object in
  // `object_sql`, as a scalar SQL value (text, number; NULL when absent).
  virtual std::string json_value(std::string_view object_sql, std::string_view key) const = 0;
  // `object_sql` without key `key`, and whether it has the key.
  virtual std::string json_without(std::string_view object_sql, std::string_view key) const = 0;
  virtual std::string json_has(std::string_view object_sql, std::string_view key) const = 0;
  // True when `text_sql` holds a well-formed JSON array (false, not an error, for other text).
  virtual std::string json_is_array(std::string_view text_sql) const = 0;
  // A FROM item listing the elements of the JSON array in `array_sql` (which may name columns of
  // the tables before it: the item is lateral), aliased `alias`, with the element's text in
  // `alias.value`; and the condition that an element of it is text (not a number or a list).
  virtual std::string json_elements(std::string_view array_sql, std::string_view alias) const = 0;
  virtual std::string json_element_is_text(std::string_view alias) const = 0;
  // A subquery `SELECT ...` of the integers of a JSON array bound as the parameter `param`
  // ("?" or "?N"): how a list of ids travels as one parameter.
  virtual std::string ids_in_json(std::string_view param) const = 0;
  // Aggregates `expr` over the group into a JSON array (text).
  virtual std::string json_array_agg(std::string_view expr) const = 0;
  // The larger / smaller of two values (NULL when either is NULL, as in SQLite's scalar max/min).
  virtual std::string greatest(std::string_view a, std::string_view b) const = 0;
  virtual std::string least(std::string_view a, std::string_view b) const = 0;
  // Whether a value is stored as text / as an integer (custom-field JSON and loosely typed
  // columns can hold either; the rule language's NULL rule treats the wrong kind as NULL).
  virtual std::string is_text(std::string_view expr) const = 0;
  virtual std::string is_integer(std::string_view expr) const = 0;
  // The name of the function f(haystack, needle) giving the 1-based position of `needle` in
  // `haystack` (0 when absent).
  virtual std::string position_function() const = 0;
  // A query with one parameter (a table name) that returns a row when the table exists, and one
  // that returns the table's column names, one row each.
  virtual std::string table_exists_query() const = 0;
  virtual std::string column_names_query() const = 0;
  // The collation that compares text bytewise, as memcmp (rules::semantics::compare_text): the
  // rule compiler forces it on text operands so that a column declared otherwise cannot make SQL
  // disagree with the in-memory evaluators.
  virtual std::string bytewise_collation() const = 0;
  // Put after a table in FROM: the index the planner must use for it, where the engine takes
  // such a hint (" INDEXED BY name"), or nothing where its planner needs none.
  virtual std::string index_hint(std::string_view index) const = 0;
  // How statements name the temporary table `name` (CREATE TEMP TABLE is shared SQL; the schema
  // that holds such tables is not).
  virtual std::string temporary_table(std::string_view name) const = 0;
};

// SQLite's forms (JSON1, scalar max/min, instr, sqlite_master, the temp schema).
const Dialect& sqlite_dialect();

}  // namespace crmkit
