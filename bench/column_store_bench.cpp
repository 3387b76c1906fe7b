// The in-memory segment column store against SQLite on the same data.
//
//   column_store_bench [--scale S] [--db PATH]   (S = 1.0 builds 1,000,000 customers)
//
// Builds customers with facts, a custom region field and tags in a temporary file, then prints
// one JSON line per measurement {"name", "crmkit_s", "baseline_s", "ratio"}:
//   cold          new connection + new ColumnStore + refresh() + evaluate the five-clause rule,
//                 against the same query hand-written in SQL on a new connection (C API);
//   warm          evaluate() again on the loaded store against the SQL query on a warm connection;
//   recheck_one   one changed customer: refresh() plus matches() against 100 rules, per rule,
//                 against the compiled SQL of each rule restricted to that customer;
//   refresh_idle  refresh() on an unchanged database (baseline 0: nothing to compare with).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "crmkit/db/database.hpp"
#include "crmkit/dialect.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/rules/sql.hpp"
#include "crmkit/segments/column_store.hpp"

namespace {

using crmkit::rules::FieldType;
using Clock = std::chrono::steady_clock;

constexpr long long kNow = 1772366400000LL;  // 2026-03-01T12:00:00Z
constexpr long long kDay = 86400000LL;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void emit(const char* name, double mine, double base) {
  std::printf("{\"name\": \"%s\", \"crmkit_s\": %.9f, \"baseline_s\": %.9f, \"ratio\": %.3f}\n", name, mine, base,
              base > 0 ? mine / base : 0.0);
  std::fflush(stdout);
}

crmkit::rules::Catalog catalog() {
  crmkit::rules::Catalog c;
  c.entity = "customer";
  c.dialect = &crmkit::sqlite_dialect();
  c.fields = {
      {"id", FieldType::Integer, "c.id", {}},
      {"name", FieldType::Text, "c.name", {}},
      {"industry", FieldType::Text, "c.industry", {}},
      {"kind", FieldType::Enum, "c.kind", {"company", "person"}},
      {"stage", FieldType::Enum, "c.stage", {}},
      {"owner", FieldType::User, "c.owner_id", {}},
      {"created_at", FieldType::DateTime, "c.created_at", {}},
      {"region", FieldType::Enum, "json_extract(c.fields,'$.region')", {"华东", "华南", "华北"}},
      {"employees", FieldType::Integer, "json_extract(c.fields,'$.employees')", {}},
      {"last_contact_at", FieldType::DateTime, "f.last_contact_at", {}},
      {"days_since_contact", FieldType::Integer,
       crmkit::rules::semantics::days_since_sql(crmkit::sqlite_dialect(), "f.last_contact_at"), {}, "last_contact_at"},
      {"order_count", FieldType::Integer, "coalesce(f.order_count, 0)", {}},
      {"lifetime_value", FieldType::Number, "(coalesce(f.lifetime_value_cents, 0) / 100.0)", {}},
  };
  c.has_tag_sql = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)";
  c.in_group_sql =
      "EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.customer_id = c.id AND "
      "g.name = ?)";
  return c;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

void build(const std::string& path, long rows) {
  { crmkit::db::Database schema(path); }  // creates the schema with every migration
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; BEGIN", nullptr,
                     nullptr, nullptr),
        db, "begin");
  for (int u = 1; u <= 50; ++u) {
    const std::string sql = "INSERT INTO users(id, login, name, role, created_at) VALUES (" + std::to_string(u) +
                            ", 'rep" + std::to_string(u) + "', 'Rep', 'sales', 0)";
    check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, "user");
  }
  static const char* industries[] = {"制造", "软件", "能源", "零售", "医疗", "金融", "教育", "物流"};
  static const char* regions[] = {"华东", "华南", "华北"};
  static const char* tags[] = {"VIP", "重点", "新客户", "老客户", "海外", "黑名单", "渠道", "直销", "战略", "沉睡"};
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* fact = nullptr;
  sqlite3_stmt* tag = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO customers(id, name, kind, industry, owner_id, stage, fields, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?)",
                     -1, &ins, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO customer_facts(customer_id, last_contact_at, interaction_count, order_count, "
                     "lifetime_value_cents, updated_at) VALUES (?,?,?,?,?,?)",
                     -1, &fact, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO customer_tags(customer_id, tag) VALUES (?,?)", -1, &tag, nullptr);
  std::mt19937_64 rng(2026);
  char buf[128];
  for (long i = 1; i <= rows; ++i) {
    std::snprintf(buf, sizeof buf, "客户%ld有限公司", i);
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_text(ins, 2, buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, rng() % 5 ? "company" : "person", -1, SQLITE_STATIC);
    if (rng() % 20 == 0) sqlite3_bind_null(ins, 4);
    else sqlite3_bind_text(ins, 4, industries[rng() % 8], -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 5, static_cast<long long>(1 + rng() % 50));
    sqlite3_bind_text(ins, 6, "active", -1, SQLITE_STATIC);
    std::snprintf(buf, sizeof buf, "{\"employees\":%ld,\"region\":\"%s\"}", static_cast<long>(10 + rng() % 5000),
                  regions[rng() % 3]);
    sqlite3_bind_text(ins, 7, buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 8, kNow - static_cast<long long>(rng() % 1000) * kDay);
    sqlite3_bind_int64(ins, 9, kNow);
    check(sqlite3_step(ins), db, "customer");
    sqlite3_reset(ins);
    sqlite3_bind_int64(fact, 1, i);
    if (rng() % 10 == 0) sqlite3_bind_null(fact, 2);
    else sqlite3_bind_int64(fact, 2, kNow - static_cast<long long>(rng() % (400 * kDay)));
    sqlite3_bind_int64(fact, 3, static_cast<long long>(rng() % 40));
    sqlite3_bind_int64(fact, 4, static_cast<long long>(rng() % 12));
    sqlite3_bind_int64(fact, 5, static_cast<long long>(rng() % 5000000));
    sqlite3_bind_int64(fact, 6, kNow);
    check(sqlite3_step(fact), db, "facts");
    sqlite3_reset(fact);
    for (int k = 0; k < 2; ++k) {
      sqlite3_bind_int64(tag, 1, i);
      sqlite3_bind_text(tag, 2, tags[rng() % 10], -1, SQLITE_STATIC);
      check(sqlite3_step(tag), db, "tag");
      sqlite3_reset(tag);
    }
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(fact);
  sqlite3_finalize(tag);
  check(sqlite3_exec(db, "COMMIT; ANALYZE", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_close(db);
}

constexpr const char* kRule =
    "industry = \"制造\" and region = \"华东\" and lifetime_value >= 10000 and days_since_contact > 90 and "
    "has_tag(\"VIP\")";
constexpr const char* kSql =
    "SELECT c.id FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id "
    "WHERE c.industry = ?1 AND json_extract(c.fields, '$.region') = ?2 "
    "AND coalesce(f.lifetime_value_cents, 0) / 100.0 >= ?3 AND (?4 - f.last_contact_at) / 86400000 > ?5 "
    "AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?6) ORDER BY c.id";

std::vector<long long> run_sql(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, kSql, -1, &st, nullptr), db, "prepare");
  sqlite3_bind_text(st, 1, "制造", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, "华东", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, 10000);
  sqlite3_bind_int64(st, 4, kNow);
  sqlite3_bind_int64(st, 5, 90);
  sqlite3_bind_text(st, 6, "VIP", -1, SQLITE_STATIC);
  std::vector<long long> out;
  while (sqlite3_step(st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return out;
}

sqlite3* open_raw(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA cache_size=-65536", nullptr, nullptr, nullptr);
  return db;
}

}  // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  std::string path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--scale") scale = std::atof(argv[i + 1]);
    else if (a == "--db") path = argv[i + 1];
  }
  const long rows = std::max(1000L, static_cast<long>(1000000 * scale));
  const bool temp = path.empty();
  if (temp) path = "/tmp/crmkit_column_store_bench_" + std::to_string(rows) + ".db";
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  auto t0 = Clock::now();
  build(path, rows);
  std::fprintf(stderr, "built %ld customers in %.1f s\n", rows, since(t0));
  const auto cat = catalog();
  const auto rule = crmkit::rules::parse(kRule, cat);

  // (a) cold. One unmeasured SQL run warms the operating system's file cache for both sides.
  { sqlite3* w = open_raw(path); run_sql(w); sqlite3_close(w); }
  double base_cold = 1e9, mine_cold = 1e9;
  std::vector<long long> expected;
  std::vector<std::int64_t> got;
  for (int rep = 0; rep < 3; ++rep) {
    t0 = Clock::now();
    sqlite3* raw = open_raw(path);
    expected = run_sql(raw);
    sqlite3_close(raw);
    base_cold = std::min(base_cold, since(t0));
    t0 = Clock::now();
    {
      crmkit::db::Database db(path);
      crmkit::segments::ColumnStore store(db, cat);
      store.refresh();
      got = store.evaluate(rule, kNow);
      mine_cold = std::min(mine_cold, since(t0));
    }
  }
  if (std::vector<long long>(got.begin(), got.end()) != expected) {
    std::fprintf(stderr, "MISMATCH: store %zu ids, SQL %zu ids\n", got.size(), expected.size());
    return 1;
  }
  std::fprintf(stderr, "five-clause rule matches %zu of %ld customers\n", expected.size(), rows);
  emit("cold_load_and_evaluate", mine_cold, base_cold);

  // (b) warm.
  crmkit::db::Database db(path);
  crmkit::segments::ColumnStore store(db, cat);
  store.refresh();
  store.evaluate(rule, kNow);
  sqlite3* raw = open_raw(path);
  run_sql(raw);
  double base_warm = 1e9, mine_warm = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    t0 = Clock::now();
    run_sql(raw);
    base_warm = std::min(base_warm, since(t0));
  }
  for (int rep = 0; rep < 20; ++rep) {
    t0 = Clock::now();
    got = store.evaluate(rule, kNow);
    mine_warm = std::min(mine_warm, since(t0));
  }
  emit("warm_evaluate", mine_warm, base_warm);

  // (c) one changed customer re-checked against 100 saved rules.
  std::vector<crmkit::rules::Rule> saved;
  std::vector<crmkit::rules::SqlFragment> compiled;
  static const char* industries[] = {"制造", "软件", "能源", "零售", "医疗"};
  static const char* tags[] = {"VIP", "重点", "新客户", "沉睡"};
  for (int i = 0; i < 100; ++i) {
    const std::string text = "industry = \"" + std::string(industries[i % 5]) + "\" and lifetime_value >= " +
                             std::to_string(1000 * (i % 17)) + " and (days_since_contact > " + std::to_string(i % 120) +
                             " or has_tag(\"" + tags[i % 4] + "\")) and region in (\"华东\", \"华南\")";
    saved.push_back(crmkit::rules::parse(text, cat));
    compiled.push_back(crmkit::rules::compile(saved.back(), cat, kNow));
  }
  for (const auto& r : saved) store.evaluate(r, kNow);  // residency of every column and tag
  const long long changed = rows / 2;
  db.prepare("UPDATE customer_facts SET lifetime_value_cents = lifetime_value_cents + 100000, last_contact_at = ? "
             "WHERE customer_id = ?")
      .bind(1, static_cast<std::int64_t>(kNow - 100 * kDay))
      .bind(2, static_cast<std::int64_t>(changed))
      .exec();
  t0 = Clock::now();
  store.refresh();
  const double refresh_one = since(t0);
  int hits = 0;
  double mine_check = 1e9;
  for (int rep = 0; rep < 20; ++rep) {
    t0 = Clock::now();
    hits = 0;
    for (const auto& r : saved) hits += store.matches(r, changed, kNow) ? 1 : 0;
    mine_check = std::min(mine_check, since(t0) / 100);
  }
  std::vector<sqlite3_stmt*> stmts;
  for (const auto& f : compiled) {
    // The rule's plain "?" come first: an explicit "?N" before them would renumber them from N + 1.
    const std::string sql = "SELECT 1 FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id WHERE (" +
                            f.sql + ") AND c.id = ?";
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr), raw, "prepare rule");
    for (std::size_t k = 0; k < f.params.size(); ++k) {
      const auto& p = f.params[k];
      const int i = static_cast<int>(k) + 1;
      if (p.is_int()) sqlite3_bind_int64(st, i, p.as_int());
      else if (p.is_double()) sqlite3_bind_double(st, i, p.as_double());
      else sqlite3_bind_text(st, i, p.as_string().c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(st, static_cast<int>(f.params.size()) + 1, changed);
    stmts.push_back(st);
  }
  double base_check = 1e9;
  int sql_hits = 0;
  for (int rep = 0; rep < 20; ++rep) {
    t0 = Clock::now();
    sql_hits = 0;
    for (auto* st : stmts) {
      sql_hits += sqlite3_step(st) == SQLITE_ROW ? 1 : 0;
      sqlite3_reset(st);
    }
    base_check = std::min(base_check, since(t0) / 100);
  }
  for (auto* st : stmts) sqlite3_finalize(st);
  if (hits != sql_hits) {
    std::fprintf(stderr, "MISMATCH: matches() %d, SQL %d\n", hits, sql_hits);
    return 1;
  }
  emit("recheck_one_customer_per_rule", mine_check, base_check);
  emit("refresh_after_one_change", refresh_one, 0);

  double idle = 1e9;
  for (int rep = 0; rep < 20; ++rep) {
    t0 = Clock::now();
    store.refresh();
    idle = std::min(idle, since(t0));
  }
  emit("refresh_idle", idle, 0);
  sqlite3_close(raw);
  if (temp) {
    for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  }
  return 0;
}
