// The customer relationship process against the raw SQLite C API on the same data.
//
//   relationship_bench [--scale S] [--dir DIR] [--batch N] [--only NAME[,NAME...]] [--reuse-base]
//
// S = 1.0 means 1,000,000 customers, 1,000,000 interactions and 500,000 orders (CI runs
// --scale 0.01). One base database (crmkit's schema, 50 users, the customers, their facts) is
// built in a temporary directory and copied, so that both sides of every measurement start from
// identical files. Both sides use the same PRAGMAs (WAL, synchronous=NORMAL, foreign_keys=ON) and
// the same transaction batching: one transaction per N rows (default 10,000), committed N rows at
// a time on both sides. `--only` runs just the named measurements (to profile one path);
// `--reuse-base` keeps DIR/base.db from an earlier run of the same scale (so that a profile
// records the measurement, not the set-up). Prints
// one JSON line per measurement {"name", "crmkit_s", "baseline_s", "ratio"}:
//   interactions_log       Interactions::log per row (facts kept current, scope and input checks)
//                          vs INSERT INTO interactions through a prepared statement, with the
//                          row's "created" event that the change feed keeps for every insert (no
//                          facts);
//   interactions_log_many  Interactions::log_many, one call per batch, vs the same baseline;
//   orders_add             Orders::add per row (one line item each; facts kept current)
//                          vs INSERT INTO orders + order_items + the order's event (no facts);
//   orders_add_many        Orders::add_many, one call per batch, vs the same baseline;
//   reclaim_idle           Pool::reclaim_idle over all customers (history rows, reminders)
//                          vs one hand-written UPDATE ... FROM customer_facts of the same rule;
//   reclaim_idle_cpu       the same two runs in CPU time (the process's, both single-threaded);
//   reclaim_idle_vs_grouped_update[_cpu]
//                          against the same UPDATE with the owner history grouped once and
//                          joined (the scan the engine runs), wall and CPU time.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "crmkit/crm.hpp"

namespace {

namespace fs = std::filesystem;
using crmkit::Crm;
using SteadyClock = std::chrono::steady_clock;

constexpr long long kDay = 86400000LL;
constexpr long long kNow = 1772366400000LL;  // 2026-03-01T12:00:00Z
constexpr int kUsers = 50;
const char* const kKinds[] = {"call", "visit", "email", "wechat", "meeting", "other"};
const char* const kSummaries[] = {"确认需求", "报价已发送", "客户询问交期", "介绍新产品", "Follow-up on the proposal"};

double since(SteadyClock::time_point t0) { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); }

// This process's CPU time in seconds: on a machine shared with other work, wall time measures the
// scheduler as much as the code; the CPU time of a single-threaded section does not.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void emit(const std::string& name, double mine, double base) {
  std::printf("{\"name\": \"%s\", \"crmkit_s\": %.6f, \"baseline_s\": %.6f, \"ratio\": %.3f}\n", name.c_str(), mine,
              base, base > 0 ? mine / base : 0.0);
  std::fflush(stdout);
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// A raw connection configured like crmkit's.
sqlite3* open_raw(const std::string& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
                         "PRAGMA temp_store=MEMORY; PRAGMA busy_timeout=10000",
                     nullptr, nullptr, nullptr),
        db, "pragmas");
  return db;
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

struct Row {
  long long customer;
  int kind;
  long long user;
  long long at;
  int summary;
};

std::vector<Row> make_rows(long long n, long long customers, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Row> rows(static_cast<std::size_t>(n));
  for (auto& r : rows) {
    r.customer = 1 + static_cast<long long>(rng() % static_cast<std::uint64_t>(customers));
    r.kind = static_cast<int>(rng() % 6);
    r.user = 1 + static_cast<long long>(rng() % kUsers);
    r.at = kNow - static_cast<long long>(rng() % static_cast<std::uint64_t>(300 * kDay));
    r.summary = static_cast<int>(rng() % 5);
  }
  return rows;
}

// The base file: schema, users, customers created 200 days ago with owners, and facts shaped for
// the reclaim rule: 10% idle past 30 days, ~2% within the 3-day warning window, 20% buyers
// (exempt), the rest contacted recently.
void build_base(const std::string& path, long long customers) {
  auto crm = Crm::open(path);
  crm.clock().freeze(kNow - 200 * kDay);
  for (int u = 0; u < kUsers; ++u)
    crm.users().add({"rep" + std::to_string(u), "Rep " + std::to_string(u), "sales", std::nullopt, std::nullopt,
                     std::nullopt});
  const long long chunk = 50000;
  for (long long done = 0; done < customers; done += chunk) {
    std::vector<crmkit::customers::CustomerInput> rows(static_cast<std::size_t>(std::min(chunk, customers - done)));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      long long n = done + static_cast<long long>(i);
      rows[i].attrs["name"] = "客户" + std::to_string(n);
      rows[i].attrs["owner"] = static_cast<std::int64_t>(1 + n % kUsers);
      rows[i].attrs["industry"] = n % 3 ? "制造" : "软件";
    }
    crm.customers().add_many(rows);
  }
  std::string sql =
      "UPDATE customer_facts SET "
      "last_contact_at = CASE WHEN customer_id % 10 = 0 THEN " + std::to_string(kNow - 40 * kDay) +
      " WHEN customer_id % 50 = 1 THEN " + std::to_string(kNow - 28 * kDay) +
      " ELSE " + std::to_string(kNow - 5 * kDay) + " - customer_id % 20 * " + std::to_string(kDay) + " END, "
      "interaction_count = 3, "
      "order_count = CASE WHEN customer_id % 5 = 2 THEN 1 ELSE 0 END, "
      "lifetime_value_cents = CASE WHEN customer_id % 5 = 2 THEN 1280000 ELSE 0 END, "
      "first_order_at = CASE WHEN customer_id % 5 = 2 THEN " + std::to_string(kNow - 150 * kDay) + " END, "
      "last_order_at = CASE WHEN customer_id % 5 = 2 THEN " + std::to_string(kNow - 150 * kDay) + " END";
  crm.database().exec(sql);
  // no_deal_days is set beyond the data's age so that the idle rule alone decides.
  crm.pool().set_rules({.idle_days = 30, .no_deal_days = 365, .warn_days = 3, .exempt_won = true});
}

std::string copy_of(const std::string& base, const std::string& dir, const std::string& name) {
  std::string to = dir + "/" + name + ".db";
  fs::remove(to);
  fs::copy_file(base, to);
  return to;
}

// The change feed's row for one inserted record, as the engine writes it in the same transaction.
sqlite3_stmt* prepare_event(sqlite3* db, const char* entity, const char* payload) {
  sqlite3_stmt* ev = nullptr;
  const std::string sql = std::string("INSERT INTO events(at, kind, entity, entity_id, customer_id, payload) VALUES (?,'created','") +
                          entity + "',?,?,'" + payload + "')";
  check(sqlite3_prepare_v2(db, sql.c_str(), -1, &ev, nullptr), db, "prepare event");
  return ev;
}

void insert_event(sqlite3* db, sqlite3_stmt* ev, long long id, long long customer) {
  sqlite3_bind_int64(ev, 1, kNow);
  sqlite3_bind_int64(ev, 2, id);
  sqlite3_bind_int64(ev, 3, customer);
  check(sqlite3_step(ev), db, "insert event");
  sqlite3_reset(ev);
}

double baseline_interactions(const std::string& path, const std::vector<Row>& rows, long long batch) {
  sqlite3* db = open_raw(path);
  sqlite3_stmt* ev = prepare_event(db, "interaction", R"({"fields":["at","contact_id","kind","summary","user_id"]})");
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO interactions(customer_id, kind, user_id, at, summary, created_at) "
                               "VALUES (?,?,?,?,?,?)", -1, &ins, nullptr), db, "prepare");
  auto t0 = SteadyClock::now();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % static_cast<std::size_t>(batch) == 0) exec(db, "BEGIN IMMEDIATE");
    const Row& r = rows[i];
    sqlite3_bind_int64(ins, 1, r.customer);
    sqlite3_bind_text(ins, 2, kKinds[r.kind], -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 3, r.user);
    sqlite3_bind_int64(ins, 4, r.at);
    sqlite3_bind_text(ins, 5, kSummaries[r.summary], -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 6, kNow);
    check(sqlite3_step(ins), db, "insert interaction");
    sqlite3_reset(ins);
    insert_event(db, ev, sqlite3_last_insert_rowid(db), r.customer);
    if ((i + 1) % static_cast<std::size_t>(batch) == 0 || i + 1 == rows.size()) exec(db, "COMMIT");
  }
  double s = since(t0);
  sqlite3_finalize(ins);
  sqlite3_finalize(ev);
  sqlite3_close(db);
  return s;
}

double baseline_orders(const std::string& path, const std::vector<Row>& rows, long long batch) {
  sqlite3* db = open_raw(path);
  sqlite3_stmt* ev = prepare_event(db, "order", R"({"fields":["amount","at","items","note"]})");
  sqlite3_stmt* ord = nullptr;
  sqlite3_stmt* item = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO orders(customer_id, amount_cents, at, created_at) VALUES (?,?,?,?)", -1,
                           &ord, nullptr), db, "prepare");
  check(sqlite3_prepare_v2(db, "INSERT INTO order_items(customer_id, order_id, line, sku, qty, price_cents) VALUES (?,?,0,?,?,?)", -1,
                           &item, nullptr), db, "prepare");
  auto t0 = SteadyClock::now();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % static_cast<std::size_t>(batch) == 0) exec(db, "BEGIN IMMEDIATE");
    const Row& r = rows[i];
    long long qty = 1 + r.kind, price = 640000 + r.summary * 100;
    sqlite3_bind_int64(ord, 1, r.customer);
    sqlite3_bind_int64(ord, 2, qty * price);
    sqlite3_bind_int64(ord, 3, r.at);
    sqlite3_bind_int64(ord, 4, kNow);
    check(sqlite3_step(ord), db, "insert order");
    sqlite3_reset(ord);
    const long long order_id = sqlite3_last_insert_rowid(db);
    sqlite3_bind_int64(item, 1, r.customer);
    sqlite3_bind_int64(item, 2, order_id);
    sqlite3_bind_text(item, 3, "A1", -1, SQLITE_STATIC);
    sqlite3_bind_int64(item, 4, qty);
    sqlite3_bind_int64(item, 5, price);
    check(sqlite3_step(item), db, "insert item");
    sqlite3_reset(item);
    insert_event(db, ev, order_id, r.customer);
    if ((i + 1) % static_cast<std::size_t>(batch) == 0 || i + 1 == rows.size()) exec(db, "COMMIT");
  }
  double s = since(t0);
  sqlite3_finalize(ord);
  sqlite3_finalize(item);
  sqlite3_finalize(ev);
  sqlite3_close(db);
  return s;
}

crmkit::relationship::InteractionInput interaction(const Row& r) {
  crmkit::relationship::InteractionInput in;
  in.customer_id = r.customer;
  in.kind = kKinds[r.kind];
  in.by = r.user;
  in.at = crmkit::Timestamp{r.at};
  in.summary = kSummaries[r.summary];
  return in;
}

crmkit::relationship::OrderInput order(const Row& r) {
  crmkit::relationship::OrderInput in;
  in.customer_id = r.customer;
  long long qty = 1 + r.kind, price = 640000 + r.summary * 100;
  in.amount = static_cast<double>(qty * price) / 100.0;
  in.at = crmkit::Timestamp{r.at};
  in.items = {{"A1", qty, static_cast<double>(price) / 100.0}};
  return in;
}

template <typename One>
double crmkit_per_row(const std::string& path, const std::vector<Row>& rows, long long batch, One one) {
  auto crm = Crm::open(path);
  crm.clock().freeze(kNow);
  auto t0 = SteadyClock::now();
  for (std::size_t i = 0; i < rows.size(); i += static_cast<std::size_t>(batch)) {
    crmkit::db::Transaction tx(crm.database());
    std::size_t end = std::min(rows.size(), i + static_cast<std::size_t>(batch));
    for (std::size_t k = i; k < end; ++k) one(crm, rows[k]);
    tx.commit();
  }
  return since(t0);
}

template <typename Many>
double crmkit_many(const std::string& path, const std::vector<Row>& rows, long long batch, Many many) {
  auto crm = Crm::open(path);
  crm.clock().freeze(kNow);
  auto t0 = SteadyClock::now();
  for (std::size_t i = 0; i < rows.size(); i += static_cast<std::size_t>(batch)) {
    std::size_t end = std::min(rows.size(), i + static_cast<std::size_t>(batch));
    many(crm, rows.begin() + static_cast<std::ptrdiff_t>(i), rows.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  long long batch = 10000;
  std::string dir, only;
  bool reuse_base = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scale" && i + 1 < argc) scale = std::atof(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--batch" && i + 1 < argc) batch = std::atoll(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only.append(",").append(argv[++i]).append(",");
    else if (a == "--reuse-base") reuse_base = true;
    else {
      std::fprintf(stderr, "usage: %s [--scale S] [--dir DIR] [--batch N] [--only NAME[,NAME...]] [--reuse-base]\n",
                   argv[0]);
      return 2;
    }
  }
  if (scale <= 0 || batch <= 0) return 2;
  bool own_dir = dir.empty();
  if (own_dir) dir = (fs::temp_directory_path() / ("crmkit_relationship_bench_" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const long long customers = std::max(1000LL, static_cast<long long>(1000000 * scale));
  const long long n_interactions = std::max(1000LL, static_cast<long long>(1000000 * scale));
  const long long n_orders = std::max(500LL, static_cast<long long>(500000 * scale));
  std::fprintf(stderr, "relationship_bench: %lld customers, %lld interactions, %lld orders, %lld rows per transaction, in %s\n",
               customers, n_interactions, n_orders, batch, dir.c_str());
  try {
    const std::string base = dir + "/base.db";
    if (!(reuse_base && fs::exists(base))) build_base(base, customers);

    auto wanted = [&](const char* name) {
      std::string key = ",";
      key += name;
      key += ',';
      return only.empty() || only.find(key) != std::string::npos;
    };

    auto irows = make_rows(n_interactions, customers, 1);
    double api = 0, raw = 0, many = 0;
    // Each baseline runs right after the first engine measurement that uses it, as it always has.
    if (wanted("interactions_log")) {
      api = crmkit_per_row(copy_of(base, dir, "a"), irows, batch,
                           [](Crm& crm, const Row& r) { crm.interactions().log(interaction(r)); });
      raw = baseline_interactions(copy_of(base, dir, "b"), irows, batch);
      emit("interactions_log", api, raw);
    }
    if (wanted("interactions_log_many")) {
      if (!wanted("interactions_log")) raw = baseline_interactions(copy_of(base, dir, "b"), irows, batch);
      many = crmkit_many(copy_of(base, dir, "a"), irows, batch, [](Crm& crm, auto first, auto last) {
        std::vector<crmkit::relationship::InteractionInput> in;
        for (auto it = first; it != last; ++it) in.push_back(interaction(*it));
        crm.interactions().log_many(in);
      });
      emit("interactions_log_many", many, raw);
    }

    auto orows = make_rows(n_orders, customers, 2);
    if (wanted("orders_add")) {
      api = crmkit_per_row(copy_of(base, dir, "a"), orows, batch,
                           [](Crm& crm, const Row& r) { crm.orders().add(order(r)); });
      raw = baseline_orders(copy_of(base, dir, "b"), orows, batch);
      emit("orders_add", api, raw);
    }
    if (wanted("orders_add_many")) {
      if (!wanted("orders_add")) raw = baseline_orders(copy_of(base, dir, "b"), orows, batch);
      many = crmkit_many(copy_of(base, dir, "a"), orows, batch, [](Crm& crm, auto first, auto last) {
        std::vector<crmkit::relationship::OrderInput> in;
        for (auto it = first; it != last; ++it) in.push_back(order(*it));
        crm.orders().add_many(in);
      });
      emit("orders_add_many", many, raw);
    }

    if (!wanted("reclaim_idle")) {
      if (own_dir) fs::remove_all(dir);
      return 0;
    }
    // reclaim_idle: the engine's call against the same rule as one hand-written statement.
    std::size_t reclaimed = 0;
    double api_cpu = 0;
    {
      auto crm = Crm::open(copy_of(base, dir, "a"));
      crm.clock().freeze(kNow);
      auto t0 = SteadyClock::now();
      double c0 = cpu_seconds();
      reclaimed = crm.pool().reclaim_idle().size();
      api_cpu = cpu_seconds() - c0;
      api = since(t0);
    }
    // Runs one hand-written UPDATE on its own copy of the base, in one transaction: (wall, CPU)
    // seconds, or nullopt after saying so when it changed another number of customers than the
    // engine reclaimed.
    auto time_update = [&](const char* copy, const char* label,
                           const std::string& sql) -> std::optional<std::pair<double, double>> {
      sqlite3* db = open_raw(copy_of(base, dir, copy));
      auto t0 = SteadyClock::now();
      double c0 = cpu_seconds();
      exec(db, "BEGIN IMMEDIATE");
      exec(db, sql.c_str());
      std::size_t changed = static_cast<std::size_t>(sqlite3_changes(db));
      exec(db, "COMMIT");
      double cpu = cpu_seconds() - c0;
      double wall = since(t0);
      sqlite3_close(db);
      if (changed != reclaimed) {
        std::fprintf(stderr, "reclaim_idle: crmkit reclaimed %zu customers, the %s %zu\n", reclaimed, label, changed);
        return std::nullopt;
      }
      return std::pair{wall, cpu};
    };
    const std::string per_customer =
        "UPDATE customers SET owner_id = NULL, version = version + 1, updated_at = " + std::to_string(kNow) +
        " FROM customer_facts f WHERE f.customer_id = customers.id AND customers.owner_id IS NOT NULL "
        "AND f.order_count = 0 AND max(coalesce(f.last_contact_at, 0), coalesce((SELECT max(h.at) FROM history h "
        "WHERE h.entity = 'customer' AND h.field = 'owner_id' AND h.entity_id = customers.id), customers.created_at)) + "
        "30 * " + std::to_string(kDay) + " <= " + std::to_string(kNow);
    // The same UPDATE written with the owner history grouped once and joined, the scan the engine
    // runs: what a hand-written statement gains from that alone.
    const std::string grouped_once =
        "UPDATE customers SET owner_id = NULL, version = version + 1, updated_at = " + std::to_string(kNow) +
        " FROM customer_facts f LEFT JOIN (SELECT entity_id, max(at) AS at FROM history WHERE entity = 'customer' "
        "AND field = 'owner_id' GROUP BY entity_id) oh ON oh.entity_id = f.customer_id "
        "WHERE f.customer_id = customers.id AND customers.owner_id IS NOT NULL AND f.order_count = 0 AND "
        "max(coalesce(f.last_contact_at, 0), coalesce(oh.at, customers.created_at)) + 30 * " + std::to_string(kDay) +
        " <= " + std::to_string(kNow);
    auto plain = time_update("b", "baseline", per_customer);
    if (!plain) return 1;
    auto joined = time_update("c", "grouped baseline", grouped_once);
    if (!joined) return 1;
    const auto [raw_wall, raw_cpu] = *plain;
    const auto [grouped, grouped_cpu] = *joined;
    raw = raw_wall;
    std::fprintf(stderr, "reclaim_idle: %zu of %lld customers reclaimed\n", reclaimed, customers);
    emit("reclaim_idle", api, raw);
    emit("reclaim_idle_cpu", api_cpu, raw_cpu);
    emit("reclaim_idle_vs_grouped_update", api, grouped);
    emit("reclaim_idle_vs_grouped_update_cpu", api_cpu, grouped_cpu);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relationship_bench: %s\n", e.what());
    return 1;
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}
