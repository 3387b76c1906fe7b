// The floor for bulk customer inserts: the same rows as the crmkit benchmark writes (the customer
// with name, industry, owner and 2 custom fields as JSON, its 2 tags, its facts row, its
// "created" event, its identity key and its rows of both search indexes) through the raw SQLite
// C API with prepared statements in one transaction, into a database created with crmkit's own
// schema (so the same indexes). The key and index texts are derived before the clock starts, by
// the engine's own functions, as the names are: what is timed is writing the rows.
//
//   insert_baseline DB_PATH ROWS     → prints {"rows": N, "seconds": S}
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/search.hpp"
#include "crmkit/io/clean.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DB_PATH ROWS\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long rows = std::stol(argv[2]);
  {
    // Create the schema and the same 50 owners the Python benchmark uses.
    auto crm = crmkit::Crm::open(path);
    for (int u = 0; u < 50; ++u)
      crm.users().add({"rep" + std::to_string(u), "Rep " + std::to_string(u), "sales", std::nullopt, std::nullopt,
                       std::nullopt});
  }
  static const char* industries[] = {"制造", "软件", "能源", "零售", "医疗"};
  static const char* regions[] = {"华东", "华南", "华北"};
  static const char* tags[] = {"VIP", "重点", "新客户", "老客户", "海外"};
  // Inputs are prepared before the clock starts, as the Python side prepares its dicts.
  std::vector<std::string> names(static_cast<std::size_t>(rows));
  std::vector<std::string> keys(static_cast<std::size_t>(rows)), grams(static_cast<std::size_t>(rows));
  for (long i = 0; i < rows; ++i) {
    const auto k = static_cast<std::size_t>(i);
    names[k] = "客户" + std::to_string(i) + "有限公司";
    keys[k] = crmkit::io::company_key(names[k]);
    grams[k] = crmkit::customers::search_index::short_grams({names[k]});
  }

  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536", nullptr, nullptr,
               nullptr);
  auto t0 = std::chrono::steady_clock::now();
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* tag = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO customers(name, kind, industry, owner_id, stage, fields, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?,?,?)",
                     -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO customer_tags(customer_id, tag) VALUES (?,?)", -1, &tag, nullptr);
  sqlite3_stmt* facts = nullptr;
  sqlite3_stmt* event = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO customer_facts(customer_id, updated_at) VALUES (?,?)", -1, &facts, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO events(at, kind, entity, entity_id, customer_id, payload) "
                     "VALUES (?,'created','customer',?,?,?)",
                     -1, &event, nullptr);
  sqlite3_stmt* key = nullptr;
  sqlite3_stmt* search = nullptr;
  sqlite3_stmt* gram = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO customer_keys(kind, key, customer_id, contact_id) VALUES ('name',?,?,0)", -1, &key,
                     nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO customer_search(rowid, name, people, phones, emails) VALUES (?,?,'','','')", -1,
                     &search, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO customer_grams(rowid, grams) VALUES (?,?)", -1, &gram, nullptr);
  static const char* payload = R"({"fields":["employees","industry","kind","name","owner_id","region","stage","tags"]})";
  const long long now = 1767225600000LL;
  char fields[96];
  for (long i = 0; i < rows; ++i) {
    const std::string& name = names[static_cast<std::size_t>(i)];
    std::snprintf(fields, sizeof fields, "{\"employees\":%ld,\"region\":\"%s\"}", 10 + i % 5000, regions[i % 3]);
    sqlite3_bind_text(ins, 1, name.c_str(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, "company", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, industries[i % 5], -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 4, 1 + i % 50);
    sqlite3_bind_text(ins, 5, "prospect", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, fields, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 7, now);
    sqlite3_bind_int64(ins, 8, now);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      std::fprintf(stderr, "insert failed: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    sqlite3_reset(ins);
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    sqlite3_bind_int64(facts, 1, id);
    sqlite3_bind_int64(facts, 2, now);
    sqlite3_step(facts);
    sqlite3_reset(facts);
    sqlite3_bind_int64(event, 1, now);
    sqlite3_bind_int64(event, 2, id);
    sqlite3_bind_int64(event, 3, id);
    sqlite3_bind_text(event, 4, payload, -1, SQLITE_STATIC);
    sqlite3_step(event);
    sqlite3_reset(event);
    const auto row = static_cast<std::size_t>(i);
    sqlite3_bind_text(key, 1, keys[row].c_str(), static_cast<int>(keys[row].size()), SQLITE_STATIC);
    sqlite3_bind_int64(key, 2, id);
    sqlite3_step(key);
    sqlite3_reset(key);
    sqlite3_bind_int64(search, 1, id);
    sqlite3_bind_text(search, 2, name.c_str(), static_cast<int>(name.size()), SQLITE_STATIC);
    sqlite3_step(search);
    sqlite3_reset(search);
    sqlite3_bind_int64(gram, 1, id);
    sqlite3_bind_text(gram, 2, grams[row].c_str(), static_cast<int>(grams[row].size()), SQLITE_STATIC);
    sqlite3_step(gram);
    sqlite3_reset(gram);
    for (int k = 0; k < 2; ++k) {
      sqlite3_bind_int64(tag, 1, id);
      sqlite3_bind_text(tag, 2, tags[(i + k) % 5], -1, SQLITE_STATIC);
      sqlite3_step(tag);
      sqlite3_reset(tag);
    }
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(tag);
  sqlite3_finalize(facts);
  sqlite3_finalize(event);
  sqlite3_finalize(key);
  sqlite3_finalize(search);
  sqlite3_finalize(gram);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sqlite3_close(db);
  std::printf("{\"rows\": %ld, \"seconds\": %.6f}\n", rows, seconds);
  return 0;
}
