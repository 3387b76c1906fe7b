// The approval engine against plain SQL through the SQLite C API, on identical starting files.
//
//   approvals_bench [--scale S] [--dir DIR] [--only approvals|inbox]
//
// S = 1.0 means 100,000 approval requests and 1,000,000 open steps (CI runs --scale 0.01).
// Prints one JSON line per measurement {"name", "crmkit_s", "baseline_s", "ratio", ...}:
//
//   approvals_3_steps  N requests on a three-step workflow (owner.manager, {"role": "director"},
//                      {"role": "finance"}, mode any), each taken through submit + three approvals:
//                      4N calls, each its own transaction, through Crm::approvals(). Phases: all
//                      submits, then every first decision, then every second, then every third.
//                      The baseline performs the same writes as plain prepared statements through
//                      the SQLite C API with the same transaction boundaries (BEGIN IMMEDIATE ...
//                      COMMIT per call): the request row, the record lock, each step instance and
//                      its assignee, the decision, the step's end, the request's update, and every
//                      ledger entry the engine appends (8 per request: submit, step, 3 x (approve,
//                      step | approved)) with the same SHA-256 work — one EVP SHA-256 per entry
//                      over a canonical text of the same shape, chained on the previous entry's
//                      hash read back from the table. What the baseline does not do is what the
//                      engine adds: loading the definition and the record, evaluating conditions,
//                      resolving approvers, permission and state checks, delegation lookups.
//   approvals_plain_sql_batched_vs_per_call
//                      the baseline's same 4N calls with 1,000 calls to a transaction against one
//                      transaction per call: the most any batching (approve_many) can gain.
//   inbox_open_steps   Approvals::inbox for one approver (1,000 approvers share M open steps, so
//                      the user holds M/1,000) vs the same SELECT (steps, requests and workflows
//                      joined to the user's open assignments) stepped through the C API. Both
//                      are timed over repeated calls; the line reports seconds per call and the
//                      milliseconds as crmkit_ms / baseline_ms, with the rows returned.
//
// Both sides use the same PRAGMAs (WAL, synchronous=NORMAL, foreign_keys=ON).
#include <openssl/evp.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "crmkit/crm.hpp"

namespace {

namespace fs = std::filesystem;
using crmkit::Crm;
using SteadyClock = std::chrono::steady_clock;

constexpr long long kNow = 1772366400000LL;  // 2026-03-01T12:00:00Z
constexpr int kManagers = 10;
constexpr int kRepsPerManager = 10;
constexpr int kInboxApprovers = 1000;

const char* const kWorkflow = R"({"name": "bench", "entity": "opportunity", "trigger": {"on": "submit"},
  "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"},
            {"name": "director", "approvers": {"role": "director"}, "mode": "any"},
            {"name": "finance", "approvers": {"role": "finance"}, "mode": "any"}]})";
const char* const kStepNames[] = {"manager", "director", "finance"};

double since(SteadyClock::time_point t0) { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); }

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

sqlite3* open_raw(const std::string& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
                         "PRAGMA temp_store=MEMORY; PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536",
                     nullptr, nullptr, nullptr),
        db, "pragmas");
  return db;
}

void exec(sqlite3* db, const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

std::string copy_of(const std::string& base, const std::string& dir, const std::string& name) {
  std::string to = dir + "/" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(to + suffix);
  fs::copy_file(base, to);
  return to;
}

// ---- the approvals measurement ------------------------------------------------------------------

struct Org {
  long long director = 0;
  long long finance = 0;
  std::vector<long long> reps;      // owners and submitters
  std::vector<long long> managers;  // managers[i / kRepsPerManager] manages reps[i]
};

// Schema, the organisation, the workflow (through the API) and N opportunities (plain inserts).
Org build_approvals_base(const std::string& path, long long n) {
  Org org;
  {
    auto crm = Crm::open(path);
    crm.clock().freeze(kNow);
    org.director = crm.users().add({"director", "Director", "director", std::nullopt, std::nullopt, std::nullopt}).id;
    org.finance = crm.users().add({"finance", "Finance", "finance", std::nullopt, std::nullopt, std::nullopt}).id;
    for (int m = 0; m < kManagers; ++m) {
      auto mid = crm.users()
                     .add({"manager" + std::to_string(m), "Manager " + std::to_string(m), "manager", std::nullopt,
                           org.director, std::nullopt})
                     .id;
      org.managers.push_back(mid);
      for (int r = 0; r < kRepsPerManager; ++r)
        org.reps.push_back(crm.users()
                               .add({"rep" + std::to_string(m) + "." + std::to_string(r), "Rep", "sales", std::nullopt,
                                     mid, std::nullopt})
                               .id);
    }
    std::vector<crmkit::customers::CustomerInput> customers(org.reps.size());
    for (std::size_t i = 0; i < customers.size(); ++i) {
      customers[i].attrs["name"] = "客户" + std::to_string(i);
      customers[i].attrs["owner"] = static_cast<std::int64_t>(org.reps[i]);
    }
    crm.customers().add_many(customers);
    crm.workflows().define(kWorkflow);
  }
  sqlite3* db = open_raw(path);
  // Opportunity i belongs to rep i % reps, whose customer has the rep's index + 1 as id.
  std::string sql =
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < " + std::to_string(n) +
      ") INSERT INTO opportunities(customer_id, title, amount_cents, owner_id, stage, status, created_at, updated_at) "
      "SELECT c.id, 'ERP项目' || n.i, 100000000 + n.i, c.owner_id, '需求确认', 'open', " + std::to_string(kNow) + ", " +
      std::to_string(kNow) + " FROM n JOIN (SELECT id, owner_id, row_number() OVER (ORDER BY id) - 1 AS k FROM "
      "customers) c ON c.k = n.i % " + std::to_string(org.reps.size());
  exec(db, "BEGIN IMMEDIATE");
  exec(db, sql.c_str());
  exec(db, "COMMIT");
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return org;
}

double crmkit_approvals(const std::string& path, const Org& org, long long n, long long first_opp) {
  auto crm = Crm::open(path);
  crm.clock().freeze(kNow);
  auto approvals = crm.approvals();
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  const std::optional<std::string> wf = "bench";
  auto t0 = SteadyClock::now();
  for (long long i = 0; i < n; ++i) {
    long long rep = org.reps[static_cast<std::size_t>(i) % org.reps.size()];
    ids[static_cast<std::size_t>(i)] = approvals.submit("opportunity", first_opp + i, wf, rep).id;
  }
  for (int step = 0; step < 3; ++step)
    for (long long i = 0; i < n; ++i) {
      std::size_t k = static_cast<std::size_t>(i) % org.reps.size();
      long long by = step == 0 ? org.managers[k / kRepsPerManager] : step == 1 ? org.director : org.finance;
      auto r = approvals.approve(ids[static_cast<std::size_t>(i)], by);
      if (step == 2 && r.status != "approved") {
        std::fprintf(stderr, "request %lld ended %s\n", static_cast<long long>(r.id), r.status.c_str());
        std::exit(1);
      }
    }
  return since(t0);
}

// The plain-SQL side: the same rows written by the same statements, one transaction per call.
class Raw {
 public:
  explicit Raw(const std::string& path) : db_(open_raw(path)) {
    md_ = EVP_MD_CTX_new();
    last_ = prep("SELECT id, hash FROM approval_ledger ORDER BY id DESC LIMIT 1");
    ledger_ = prep(
        "INSERT INTO approval_ledger(id, at, kind, request_id, workflow, workflow_version, entity, entity_id, step, "
        "round, actor_id, on_behalf_of, comment, record, detail, prev_hash, hash) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    new_request_ = prep(
        "INSERT INTO approval_requests(workflow_id, entity, entity_id, submitter_id, status, round, snapshot, "
        "created_at, updated_at) VALUES (?,'opportunity',?,?,'pending',1,?,?,?)");
    lock_ = prep("UPDATE opportunities SET locked_by_request = ? WHERE id = ?");
    new_step_ = prep(
        "INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, started_at, due_at, "
        "trace) VALUES (?,1,?,?,'any',1,'pending',?,NULL,?)");
    new_assignee_ = prep("INSERT INTO approval_assignees(step_id, user_id, reason) VALUES (?,?,?)");
    update_request_ = prep(
        "UPDATE approval_requests SET status=?, round=1, current_step_id=?, snapshot=?, updated_at=?, ended_at=?, "
        "version=? WHERE id=?");
    decide_ = prep(
        "UPDATE approval_assignees SET open = 0, decision = 'approved', acted_by = ?, decided_at = ?, comment = NULL "
        "WHERE step_id = ? AND user_id = ?");
    end_step_ = prep("UPDATE approval_steps SET status = 'approved', ended_at = ? WHERE id = ?");
    close_step_ = prep("UPDATE approval_assignees SET open = 0 WHERE step_id = ? AND open = 1");
    sqlite3_stmt* wf = prep("SELECT id FROM workflows WHERE name = 'bench' AND current = 1");
    check(sqlite3_step(wf), db_, "workflow");
    workflow_id_ = sqlite3_column_int64(wf, 0);
    sqlite3_reset(wf);
  }
  ~Raw() {
    for (auto* s : all_) sqlite3_finalize(s);
    EVP_MD_CTX_free(md_);
    sqlite3_close(db_);
  }

  struct Req {
    long long id = 0, opp = 0, submitter = 0, step_id = 0, version = 1;
  };

  // Calls open and commit their own transaction unless a batch holds one (see raw_approvals).
  void begin() { exec(db_, "BEGIN IMMEDIATE"); }
  void commit() { exec(db_, "COMMIT"); }
  bool own_transactions = true;

  Req submit(long long opp, long long submitter, long long approver) {
    if (own_transactions) begin();
    Req r;
    r.opp = opp;
    r.submitter = submitter;
    std::string rec = record(opp, submitter);
    sqlite3_bind_int64(new_request_, 1, workflow_id_);
    sqlite3_bind_int64(new_request_, 2, opp);
    sqlite3_bind_int64(new_request_, 3, submitter);
    bind_text(new_request_, 4, rec);
    sqlite3_bind_int64(new_request_, 5, kNow);
    sqlite3_bind_int64(new_request_, 6, kNow);
    run(new_request_, "insert request");
    r.id = sqlite3_last_insert_rowid(db_);
    set_lock(opp, r.id);
    append("submit", r, nullptr, submitter, rec, R"({"trigger":"submit"})");
    start_step(r, 0, approver, rec);
    if (own_transactions) commit();
    return r;
  }

  // The decision of `step` (0, 1, 2); `next` is the next step's approver (ignored after the last).
  void approve(Req& r, int step, long long by, long long next) {
    if (own_transactions) begin();
    std::string rec = record(r.opp, r.submitter);
    sqlite3_bind_int64(decide_, 1, by);
    sqlite3_bind_int64(decide_, 2, kNow);
    sqlite3_bind_int64(decide_, 3, r.step_id);
    sqlite3_bind_int64(decide_, 4, by);
    run(decide_, "decide");
    append("approve", r, kStepNames[step], by, rec, "");
    sqlite3_bind_int64(end_step_, 1, kNow);
    sqlite3_bind_int64(end_step_, 2, r.step_id);
    run(end_step_, "end step");
    sqlite3_bind_int64(close_step_, 1, r.step_id);
    run(close_step_, "close step");
    if (step < 2) {
      start_step(r, step + 1, next, rec);
    } else {
      std::string done = record(r.opp, r.submitter);
      r.step_id = 0;
      update_request(r, "approved", done, true);
      set_lock(r.opp, 0);
      append("approved", r, nullptr, 0, done, "");
    }
    if (own_transactions) commit();
  }

 private:
  sqlite3_stmt* prep(const char* sql) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db_, sql);
    all_.push_back(s);
    return s;
  }
  void run(sqlite3_stmt* s, const char* what) {
    check(sqlite3_step(s), db_, what);
    sqlite3_reset(s);
  }
  static void bind_text(sqlite3_stmt* s, int i, const std::string& t) {
    sqlite3_bind_text(s, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  }

  // The record's key fields as the engine logs them (same keys, same size).
  static std::string record(long long opp, long long owner) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"amount\":%lld.0,\"customer_id\":%lld,\"id\":%lld,\"owner\":%lld,\"stage\":\"需求确认\","
                  "\"status\":\"open\",\"title\":\"ERP项目%lld\"}",
                  1000000 + opp, owner, opp, owner, opp);
    return buf;
  }

  void set_lock(long long opp, long long request) {
    if (request)
      sqlite3_bind_int64(lock_, 1, request);
    else
      sqlite3_bind_null(lock_, 1);
    sqlite3_bind_int64(lock_, 2, opp);
    run(lock_, "lock");
  }

  void update_request(Req& r, const char* status, const std::string& snapshot, bool ended) {
    ++r.version;
    sqlite3_bind_text(update_request_, 1, status, -1, SQLITE_STATIC);
    if (r.step_id)
      sqlite3_bind_int64(update_request_, 2, r.step_id);
    else
      sqlite3_bind_null(update_request_, 2);
    bind_text(update_request_, 3, snapshot);
    sqlite3_bind_int64(update_request_, 4, kNow);
    if (ended)
      sqlite3_bind_int64(update_request_, 5, kNow);
    else
      sqlite3_bind_null(update_request_, 5);
    sqlite3_bind_int64(update_request_, 6, r.version);
    sqlite3_bind_int64(update_request_, 7, r.id);
    run(update_request_, "update request");
  }

  void start_step(Req& r, int index, long long approver, const std::string& rec) {
    char reason[128];
    std::snprintf(reason, sizeof reason, "%s: approver user %lld", index == 0 ? "owner.manager" : "role", approver);
    std::string trace = std::string("[{\"login\":\"user") + std::to_string(approver) + "\",\"reason\":\"" + reason +
                        "\",\"user_id\":" + std::to_string(approver) + "}]";
    sqlite3_bind_int64(new_step_, 1, r.id);
    sqlite3_bind_int64(new_step_, 2, index);
    sqlite3_bind_text(new_step_, 3, kStepNames[index], -1, SQLITE_STATIC);
    sqlite3_bind_int64(new_step_, 4, kNow);
    bind_text(new_step_, 5, trace);
    run(new_step_, "insert step");
    r.step_id = sqlite3_last_insert_rowid(db_);
    sqlite3_bind_int64(new_assignee_, 1, r.step_id);
    sqlite3_bind_int64(new_assignee_, 2, approver);
    sqlite3_bind_text(new_assignee_, 3, reason, -1, SQLITE_TRANSIENT);
    run(new_assignee_, "insert assignee");
    update_request(r, "pending", rec, false);
    std::string detail = "{\"approvers\":" + trace + ",\"mode\":\"any\",\"quorum\":1}";
    append("step", r, kStepNames[index], 0, rec, detail);
  }

  // One ledger entry: read the head, hash the canonical text once, insert.
  void append(const char* kind, const Req& r, const char* step, long long actor, const std::string& rec,
              const std::string& detail) {
    long long id = 1;
    std::string prev(64, '0');
    if (sqlite3_step(last_) == SQLITE_ROW) {
      id = sqlite3_column_int64(last_, 0) + 1;
      prev.assign(reinterpret_cast<const char*>(sqlite3_column_text(last_, 1)));
    }
    sqlite3_reset(last_);
    std::string text = "[" + std::to_string(id) + "," + std::to_string(kNow) + ",\"" + kind + "\"," +
                       std::to_string(r.id) + ",\"bench\",1,\"opportunity\"," + std::to_string(r.opp) + "," +
                       (step ? "\"" + std::string(step) + "\"" : "null") + ",1," +
                       (actor ? std::to_string(actor) : "null") + ",null,null," + json_string(rec) + "," +
                       (detail.empty() ? "null" : json_string(detail)) + ",\"" + prev + "\"]";
    std::string hash = sha256(text);
    sqlite3_bind_int64(ledger_, 1, id);
    sqlite3_bind_int64(ledger_, 2, kNow);
    sqlite3_bind_text(ledger_, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ledger_, 4, r.id);
    sqlite3_bind_text(ledger_, 5, "bench", -1, SQLITE_STATIC);
    sqlite3_bind_int64(ledger_, 6, 1);
    sqlite3_bind_text(ledger_, 7, "opportunity", -1, SQLITE_STATIC);
    sqlite3_bind_int64(ledger_, 8, r.opp);
    if (step)
      sqlite3_bind_text(ledger_, 9, step, -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(ledger_, 9);
    sqlite3_bind_int64(ledger_, 10, 1);
    if (actor)
      sqlite3_bind_int64(ledger_, 11, actor);
    else
      sqlite3_bind_null(ledger_, 11);
    sqlite3_bind_null(ledger_, 12);
    sqlite3_bind_null(ledger_, 13);
    bind_text(ledger_, 14, rec);
    if (detail.empty())
      sqlite3_bind_null(ledger_, 15);
    else
      bind_text(ledger_, 15, detail);
    bind_text(ledger_, 16, prev);
    bind_text(ledger_, 17, hash);
    run(ledger_, "insert ledger entry");
  }

  static std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

  std::string sha256(const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestInit_ex(md_, EVP_sha256(), nullptr) != 1 || EVP_DigestUpdate(md_, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(md_, out, &len) != 1) {
      std::fprintf(stderr, "SHA-256 failed\n");
      std::exit(1);
    }
    static const char* hex = "0123456789abcdef";
    std::string s(len * 2, '0');
    for (unsigned int i = 0; i < len; ++i) {
      s[2 * i] = hex[out[i] >> 4];
      s[2 * i + 1] = hex[out[i] & 15];
    }
    return s;
  }

  sqlite3* db_;
  EVP_MD_CTX* md_ = nullptr;
  std::vector<sqlite3_stmt*> all_;
  long long workflow_id_ = 0;
  sqlite3_stmt *last_, *ledger_, *new_request_, *lock_, *new_step_, *new_assignee_, *update_request_, *decide_,
      *end_step_, *close_step_;
};

// `per_transaction` calls share one transaction (1: each call its own, as the engine's calls are).
double raw_approvals(const std::string& path, const Org& org, long long n, long long first_opp,
                     long long per_transaction = 1) {
  Raw raw(path);
  raw.own_transactions = per_transaction == 1;
  std::vector<Raw::Req> reqs(static_cast<std::size_t>(n));
  auto manager_of = [&](long long i) {
    return org.managers[(static_cast<std::size_t>(i) % org.reps.size()) / kRepsPerManager];
  };
  long long calls = 0;
  auto call = [&](auto&& body) {
    if (!raw.own_transactions && calls % per_transaction == 0) raw.begin();
    body();
    if (!raw.own_transactions && ++calls % per_transaction == 0) raw.commit();
  };
  auto t0 = SteadyClock::now();
  for (long long i = 0; i < n; ++i)
    call([&] {
      reqs[static_cast<std::size_t>(i)] =
          raw.submit(first_opp + i, org.reps[static_cast<std::size_t>(i) % org.reps.size()], manager_of(i));
    });
  for (long long i = 0; i < n; ++i)
    call([&] { raw.approve(reqs[static_cast<std::size_t>(i)], 0, manager_of(i), org.director); });
  for (long long i = 0; i < n; ++i)
    call([&] { raw.approve(reqs[static_cast<std::size_t>(i)], 1, org.director, org.finance); });
  for (long long i = 0; i < n; ++i) call([&] { raw.approve(reqs[static_cast<std::size_t>(i)], 2, org.finance, 0); });
  if (!raw.own_transactions && calls % per_transaction != 0) raw.commit();
  return since(t0);
}

// Counts of what each side wrote, so that a drift between the two is caught rather than timed.
std::string tally(const std::string& path) {
  sqlite3* db = open_raw(path);
  std::string out;
  for (const char* sql :
       {"SELECT count(*) FROM approval_requests WHERE status = 'approved'", "SELECT count(*) FROM approval_steps",
        "SELECT count(*) FROM approval_assignees WHERE decision = 'approved' AND open = 0",
        "SELECT count(*) FROM approval_ledger", "SELECT count(*) FROM opportunities WHERE locked_by_request IS NULL"}) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), db, sql);
    check(sqlite3_step(s), db, sql);
    out += (out.empty() ? "" : " ") + std::to_string(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

// ---- the inbox measurement ------------------------------------------------------------------------

// 1,000 approvers, M pending single-assignee steps spread evenly over them (plain inserts), one
// submitter. Returns the id of the approver measured.
long long build_inbox_base(const std::string& path, long long m) {
  long long first = 0;
  {
    auto crm = Crm::open(path);
    crm.clock().freeze(kNow);
    auto boss = crm.users().add({"boss", "Boss", "director", std::nullopt, std::nullopt, std::nullopt}).id;
    auto rep = crm.users().add({"rep", "Rep", "sales", std::nullopt, boss, std::nullopt}).id;
    crm.users().add({"finance", "Finance", "finance", std::nullopt, boss, std::nullopt});
    crmkit::customers::CustomerInput c;
    c.attrs["name"] = "客户";
    c.attrs["owner"] = static_cast<std::int64_t>(rep);
    crm.customers().add(c);
    crmkit::db::Transaction tx(crm.database());
    for (int i = 0; i < kInboxApprovers; ++i) {
      auto id = crm.users()
                    .add({"approver" + std::to_string(i), "Approver", "manager", std::nullopt, boss, std::nullopt})
                    .id;
      if (i == 0) first = id;
    }
    tx.commit();
    crm.workflows().define(kWorkflow);
  }
  sqlite3* db = open_raw(path);
  std::string n = std::to_string(m), now = std::to_string(kNow), a = std::to_string(kInboxApprovers),
              f = std::to_string(first);
  exec(db, "BEGIN IMMEDIATE");
  exec(db, ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n +
            ") INSERT INTO approval_requests(id, workflow_id, entity, entity_id, submitter_id, status, round, "
            "current_step_id, created_at, updated_at) SELECT i, (SELECT id FROM workflows WHERE name = 'bench'), "
            "'opportunity', i, (SELECT id FROM users WHERE login = 'rep'), 'pending', 1, i, " + now + " + i, " + now +
            " + i FROM n")
               .c_str());
  exec(db,
       "INSERT INTO approval_steps(id, request_id, round, step_index, name, mode, quorum, status, started_at) "
       "SELECT id, id, 1, 0, 'manager', 'any', 1, 'pending', created_at FROM approval_requests");
  exec(db, ("INSERT INTO approval_assignees(step_id, user_id, reason) SELECT id, " + f + " + (id % " + a +
            "), 'owner.manager: manager of owner rep' FROM approval_steps")
               .c_str());
  exec(db, "COMMIT");
  exec(db, "ANALYZE");
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return first + 1;  // holds M / 1,000 of the steps, like every other approver
}

const char* const kInboxSql =
    "SELECT r.id, s.id, w.name, r.entity, r.entity_id, s.name, s.round, a.user_id, r.submitter_id, s.started_at, "
    "s.due_at FROM approval_assignees a JOIN approval_steps s ON s.id = a.step_id "
    "JOIN approval_requests r ON r.id = s.request_id JOIN workflows w ON w.id = r.workflow_id "
    "WHERE a.user_id = ? AND a.open = 1 AND (r.submitter_id IS NULL OR r.submitter_id <> ?) "
    "ORDER BY s.started_at, s.id, a.user_id";

struct InboxRow {
  long long request, step, entity_id, round, submitter, started;
  std::string workflow, entity, name;
  bool has_due;
  long long due;
};

}  // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  std::string dir, only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scale" && i + 1 < argc)
      scale = std::atof(argv[++i]);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--scale S] [--dir DIR] [--only approvals|inbox]\n", argv[0]);
      return 2;
    }
  }
  if (scale <= 0 || (!only.empty() && only != "approvals" && only != "inbox")) return 2;
  bool own_dir = dir.empty();
  if (own_dir) dir = (fs::temp_directory_path() / ("crmkit_approvals_bench_" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const long long requests = std::max(100LL, static_cast<long long>(100000 * scale));
  const long long open_steps = std::max(10000LL, static_cast<long long>(1000000 * scale));
  try {
    if (only.empty() || only == "approvals") {
      std::fprintf(stderr, "approvals_bench: %lld requests x (submit + 3 approvals), in %s\n", requests, dir.c_str());
      const std::string base = dir + "/approvals_base.db";
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(base + suffix);
      Org org = build_approvals_base(base, requests);
      const long long first_opp = 1;
      std::string a = copy_of(base, dir, "crmkit"), b = copy_of(base, dir, "raw");
      double api = crmkit_approvals(a, org, requests, first_opp);
      double raw = raw_approvals(b, org, requests, first_opp);
      std::string ta = tally(a), tb = tally(b);
      if (ta != tb) {
        std::fprintf(stderr, "approvals: the two sides wrote different rows (%s vs %s)\n", ta.c_str(), tb.c_str());
        return 1;
      }
      std::fprintf(stderr, "approvals: approved, steps, decisions, ledger entries, unlocked = %s on both sides\n",
                   ta.c_str());
      std::printf(
          "{\"name\": \"approvals_3_steps\", \"requests\": %lld, \"calls\": %lld, \"crmkit_s\": %.6f, "
          "\"baseline_s\": %.6f, \"ratio\": %.3f, \"crmkit_calls_per_s\": %.0f}\n",
          requests, 4 * requests, api, raw, api / raw, 4.0 * static_cast<double>(requests) / api);
      std::fflush(stdout);
      // The floor of a batch: the same plain SQL with 1,000 calls to a transaction. It bounds
      // what approve_many can gain over single calls, whatever the engine does.
      std::string c = copy_of(base, dir, "raw_batched");
      double batched = raw_approvals(c, org, requests, first_opp, 1000);
      if (tally(c) != tb) {
        std::fprintf(stderr, "approvals: the batched baseline wrote different rows\n");
        return 1;
      }
      std::printf(
          "{\"name\": \"approvals_plain_sql_batched_vs_per_call\", \"calls\": %lld, \"crmkit_s\": %.6f, "
          "\"baseline_s\": %.6f, \"ratio\": %.3f, \"batched_us_per_call\": %.1f, \"per_call_us\": %.1f}\n",
          4 * requests, batched, raw, batched / raw, 1e6 * batched / (4.0 * static_cast<double>(requests)),
          1e6 * raw / (4.0 * static_cast<double>(requests)));
      std::fflush(stdout);
    }
    if (only.empty() || only == "inbox") {
      std::fprintf(stderr, "approvals_bench: inbox among %lld open steps, in %s\n", open_steps, dir.c_str());
      const std::string path = dir + "/inbox.db";
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
      long long user = build_inbox_base(path, open_steps);
      const int reps = 50;
      std::size_t rows_api = 0, rows_raw = 0;
      double api = 0, raw = 0;
      {
        auto crm = Crm::open(path);
        crm.clock().freeze(kNow + 1000LL * 86400000LL);
        auto approvals = crm.approvals();
        rows_api = approvals.inbox(user).rows();  // warm the cache like the baseline's first call
        auto t0 = SteadyClock::now();
        for (int i = 0; i < reps; ++i) rows_api = approvals.inbox(user).rows();
        api = since(t0) / reps;
      }
      {
        sqlite3* db = open_raw(path);
        sqlite3_stmt* q = nullptr;
        check(sqlite3_prepare_v2(db, kInboxSql, -1, &q, nullptr), db, "prepare inbox");
        auto once = [&]() {
          std::vector<InboxRow> out;
          exec(db, "BEGIN");
          sqlite3_bind_int64(q, 1, user);
          sqlite3_bind_int64(q, 2, user);
          while (sqlite3_step(q) == SQLITE_ROW) {
            InboxRow r;
            r.request = sqlite3_column_int64(q, 0);
            r.step = sqlite3_column_int64(q, 1);
            r.workflow = reinterpret_cast<const char*>(sqlite3_column_text(q, 2));
            r.entity = reinterpret_cast<const char*>(sqlite3_column_text(q, 3));
            r.entity_id = sqlite3_column_int64(q, 4);
            r.name = reinterpret_cast<const char*>(sqlite3_column_text(q, 5));
            r.round = sqlite3_column_int64(q, 6);
            r.submitter = sqlite3_column_int64(q, 8);
            r.started = sqlite3_column_int64(q, 9);
            r.has_due = sqlite3_column_type(q, 10) != SQLITE_NULL;
            r.due = sqlite3_column_int64(q, 10);
            out.push_back(std::move(r));
          }
          sqlite3_reset(q);
          exec(db, "COMMIT");
          return out.size();
        };
        rows_raw = once();
        auto t0 = SteadyClock::now();
        for (int i = 0; i < reps; ++i) rows_raw = once();
        raw = since(t0) / reps;
        sqlite3_finalize(q);
        sqlite3_close(db);
      }
      if (rows_api != rows_raw) {
        std::fprintf(stderr, "inbox: crmkit returned %zu rows, the baseline %zu\n", rows_api, rows_raw);
        return 1;
      }
      std::printf(
          "{\"name\": \"inbox_open_steps\", \"open_steps\": %lld, \"rows\": %zu, \"crmkit_s\": %.6f, "
          "\"baseline_s\": %.6f, \"ratio\": %.3f, \"crmkit_ms\": %.3f, \"baseline_ms\": %.3f}\n",
          open_steps, rows_api, api, raw, api / raw, api * 1000, raw * 1000);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "approvals_bench: %s\n", e.what());
    return 1;
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}
