// One rule semantics, three evaluators: random rules over random customers of a real engine
// (the customer catalog with a custom field of every type, facts, tags, groups), checked for the
// same answer from the compiled SQL (segments, Evaluator::Sql), the column store
// (Evaluator::Columns) and the explain evaluator (customers::matches / customers::explain) for
// every customer. Values include NULLs, cells of unexpected storage classes, numbers beyond 2^53,
// instants on both sides of day boundaries and at the ends of int64. Fixed seeds, bounded size.
// Also the scalar definitions of crmkit/rules/semantics.hpp against SQLite itself.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/segments/segments.hpp"

namespace crmkit {
namespace {

using rules::Value;
namespace sem = rules::semantics;

// 2026-03-01T12:00:00Z.
constexpr std::int64_t kNow = 1772366400000;
constexpr std::int64_t kDay = 86400000;
constexpr std::int64_t kHour = 3600000;
constexpr std::int64_t kMinI = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxI = std::numeric_limits<std::int64_t>::max();

class Rng {
 public:
  explicit Rng(std::uint32_t seed) : rng_(seed) {}
  int u(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(u(0, static_cast<int>(v.size()) - 1))]; }
  bool one_in(int n) { return u(0, n - 1) == 0; }

 private:
  std::mt19937 rng_;
};

// Instants near now, on both sides of day boundaries, and far away.
std::int64_t instant(Rng& r, std::int64_t now) {
  static const std::vector<std::int64_t> offsets = {0, -1, 1, -kDay, -kDay - 1, -kDay + 1, kDay, kDay - 1, kDay + 1,
                                                    -90 * kDay, -90 * kDay - 1, -91 * kDay + 1, -12 * kHour,
                                                    14 * kDay, -1000 * kDay, 2 * kDay + 7};
  if (r.one_in(40)) return r.pick<std::int64_t>({kMinI, kMinI + 1, kMaxI, kMaxI - kDay, -kDay, 0});
  return now + r.pick(offsets) + r.u(-2, 2) * kHour;
}

// Midnights (date fields hold them), sometimes not.
std::int64_t day_value(Rng& r, std::int64_t now) {
  const std::int64_t midnight = (now / kDay + r.u(-100, 20)) * kDay;
  return r.one_in(10) ? midnight + kHour : midnight;
}

// Custom fields: one of every type.
void define_fields(Crm& crm) {
  using schema::FieldType;
  auto add = [&](const char* name, FieldType type, std::vector<std::string> options = {}) {
    schema::FieldDef d;
    d.entity = "customer";
    d.name = name;
    d.type = type;
    d.options = std::move(options);
    crm.fields().add(d);
  };
  add("t_text", FieldType::Text);
  add("t_num", FieldType::Number);
  add("t_int", FieldType::Integer);
  add("t_bool", FieldType::Bool);
  add("t_date", FieldType::Date);
  add("t_dt", FieldType::DateTime);
  add("t_enum", FieldType::Enum, {"华东", "华南", "华北"});
  add("t_multi", FieldType::MultiEnum, {"a", "b", "c", "重要"});
  add("t_user", FieldType::User);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A JSON object of custom fields with absent keys, nulls and values of unexpected types (data
// written before a field's validation existed, or by another tool).
std::string fields_json(Rng& r, std::int64_t now) {
  static const std::vector<std::string> texts = {"", "a", "ab", "abc", "b", "A", "华东", "华东x", "😀", "a😀b", "%", "_",
                                                 "Z", "é", "x\\\" or 1=1 --"};
  std::string s = "{";
  auto add = [&](const std::string& key, const std::string& value) {
    if (r.one_in(6)) return;
    if (s.size() > 1) s += ",";
    s += "\"" + key + "\":" + (r.one_in(8) ? std::string("null") : value);
  };
  add("t_text", r.one_in(8) ? r.pick<std::string>({"5", "2.5", "true"}) : json_string(r.pick(texts)));
  add("t_num", r.pick<std::string>({"-1", "0", "1", "2.5", "5", "5.0", "1000", "9007199254740993", "9007199254740992.0",
                                    "-0.5", "100000", "4.999999", "-0.0", "1e300", "\"5\"", "true"}));
  add("t_int", r.pick<std::string>({"-3", "0", "1", "2", "3", "2.5", "\"x\"", "9223372036854775807",
                                    "-9223372036854775808", "9007199254740993"}));
  add("t_bool", r.pick<std::string>({"true", "false", "1", "0"}));
  add("t_date", std::to_string(day_value(r, now)));
  add("t_dt", r.one_in(10) ? std::string("\"2026-01-01\"") : std::to_string(instant(r, now)));
  add("t_enum", r.pick<std::string>({"\"华东\"", "\"华南\"", "\"华北\"", "5", "\"东北\""}));
  add("t_multi", r.pick<std::string>({"[]", "[\"a\"]", "[\"a\",\"b\"]", "[\"重要\",\"c\"]", "[1,\"b\"]", "\"not json\"",
                                      "\"a\"", "{\"x\":\"a\"}", "[[\"a\"],\"c\"]", "[\"a\",\"a\"]", "[\"ab\"]"}));
  add("t_user", r.pick<std::string>({"1", "2", "4", "2.0", "\"2\""}));
  return s + "}";
}

void populate(Crm& crm, Rng& r, int count, std::int64_t now) {
  // Owners are users 1 to 4, made through the API before the raw rows that refer to them.
  std::vector<std::int64_t> owners;
  for (int u = 1; u <= 4; ++u) owners.push_back(crm.users().add({"u" + std::to_string(u), "User", "sales", {}, {}, {}}).id);
  crm.groups().add("展会名单");
  crm.groups().add("g1");
  auto& db = crm.database();
  db::Transaction tx(db);
  static const std::vector<std::string> names = {"", "a", "ab", "abc", "b", "A", "华东", "制造", "😀", "a😀b", "Z", "é"};
  static const std::vector<std::string> industries = {"制造", "能源", "零售", "IT", "其他"};
  for (int i = 1; i <= count; ++i) {
    const std::int64_t id = i * 2;
    auto st = db.prepare(
        "INSERT INTO customers(id, name, kind, industry, owner_id, source, stage, fields, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, id).bind(2, r.pick(names)).bind(3, std::string(r.u(0, 1) ? "company" : "person"));
    if (r.one_in(5)) st.bind_null(4);
    else st.bind(4, r.pick(industries));
    if (r.one_in(5)) st.bind_null(5);
    else st.bind(5, r.pick(owners));
    if (r.one_in(3)) st.bind_null(6);
    else st.bind(6, r.pick<std::string>({"展会", "官网", "a"}));
    st.bind(7, r.pick<std::string>({"prospect", "customer", "lost"})).bind(8, fields_json(r, now));
    st.bind(9, instant(r, now)).bind(10, now);
    st.exec();
    if (!r.one_in(6)) {  // else no facts row at all: the LEFT JOIN yields NULLs
      auto f = db.prepare(
          "INSERT OR REPLACE INTO customer_facts(last_contact_at, interaction_count, order_count, lifetime_value_cents, "
          "first_order_at, satisfaction_sum, satisfaction_count, open_tickets, customer_id, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
      if (r.one_in(4)) f.bind_null(1);
      else f.bind(1, instant(r, now));
      f.bind(2, static_cast<std::int64_t>(r.u(0, 5))).bind(3, static_cast<std::int64_t>(r.u(0, 5)));
      f.bind(4, r.pick<std::int64_t>({0, 1, 250, 1000000, 999999, 1000001, -50}));
      if (r.one_in(2)) f.bind_null(5);
      else f.bind(5, instant(r, now));
      f.bind(6, static_cast<std::int64_t>(r.u(0, 20))).bind(7, static_cast<std::int64_t>(r.u(0, 4)));
      f.bind(8, static_cast<std::int64_t>(r.u(0, 3))).bind(9, id);
      f.exec();
    }
    for (const char* tag : {"黑名单", "vip"}) {
      if (r.one_in(3)) db.prepare("INSERT INTO customer_tags(customer_id, tag) VALUES (?, ?)").bind(1, id).bind(2, std::string(tag)).exec();
    }
    for (const char* group : {"展会名单", "g1"}) {
      if (r.one_in(4)) {
        db.prepare("INSERT INTO group_members(group_id, customer_id, added_at) SELECT id, ?, 0 FROM groups WHERE name = ?")
            .bind(1, id)
            .bind(2, std::string(group))
            .exec();
      }
    }
  }
  tx.commit();
}

class RuleGen {
 public:
  explicit RuleGen(std::uint32_t seed) : r_(seed) {}

  // A predicate, or a negation, or an and/or of two to four operands (each parenthesised).
  std::string rule(int depth = 0) {
    if (depth >= 3 || r_.one_in(2)) return predicate();
    if (r_.one_in(4)) return "not (" + rule(depth + 1) + ")";
    const char* op = r_.u(0, 1) ? " and " : " or ";
    std::string s = "(" + rule(depth + 1) + ")";
    for (int n = r_.u(1, 3); n > 0; --n) s += op + std::string("(") + rule(depth + 1) + ")";
    return s;
  }

 private:
  std::string list(const std::vector<std::string>& pool) {
    std::string s = "(" + r_.pick(pool);
    for (int n = r_.u(0, 3); n > 0; --n) s += ", " + r_.pick(pool);
    return s + ")";
  }
  std::string neg() { return r_.u(0, 1) ? " not" : ""; }

  std::string ordered(const std::string& f, const std::vector<std::string>& lits) {
    static const std::vector<std::string> cmp = {"=", "!=", "<", "<=", ">", ">="};
    switch (r_.u(0, 4)) {
      case 0: case 1: return f + " " + r_.pick(cmp) + " " + r_.pick(lits);
      case 2: return f + neg() + " in " + list(lits);
      case 3: return f + neg() + " between " + r_.pick(lits) + " and " + r_.pick(lits);
      default: return f + " is" + neg() + " null";
    }
  }

  std::string predicate() {
    static const std::vector<std::string> texts = {"\"\"", "\"a\"", "\"ab\"", "\"b\"", "\"A\"", "\"华东\"", "\"华\"",
                                                   "\"😀\"", "\"a😀\"", "\"%\"", "\"_\"", "\"Z\"", "\"é\"", "\"5\"",
                                                   "\"2\"", "\"制造\"", "\"IT\""};
    static const std::vector<std::string> numbers = {
        "-1", "0", "1", "2", "2.5", "5", "5.0", "1e3", "9007199254740993", "9007199254740992.0", "-0.5", "-0.0",
        "100000", "3", "10000", "9999.99", "10000.01", "9223372036854775807", "-9223372036854775808", "1e300",
        "-1e300", "90", "-1", "106751991167", "106751991168"};
    static const std::vector<std::string> dates = {
        "now", "now - 90d", "now + 2w", "now - 12h", "now - 1d", "now + 1d", "now - 1h", "\"2026-01-01\"",
        "\"2026-03-01T12:00:00Z\"", "\"2026-02-28T12:00\"", "\"2026-03-01\"", "\"2026-03-02\"", "\"2025-12-31\""};
    static const std::vector<std::string> users = {"1", "2", "3", "4", "5"};
    static const std::vector<std::string> enum_lits = {"\"华东\"", "\"华南\"", "\"华北\""};
    static const std::vector<std::string> multi_lits = {"\"a\"", "\"b\"", "\"c\"", "\"重要\""};
    switch (r_.u(0, 17)) {
      case 0: case 1: {
        const std::string f = r_.pick<std::string>({"name", "industry", "t_text", "source"});
        switch (r_.u(0, 3)) {
          case 0: return f + neg() + " contains " + r_.pick(texts);
          case 1: return f + neg() + " starts_with " + r_.pick(texts);
          default: return ordered(f, texts);
        }
      }
      case 2: {
        switch (r_.u(0, 3)) {
          case 0: return "t_enum " + r_.pick<std::string>({"=", "!="}) + " " + r_.pick(enum_lits);
          case 1: return "t_enum" + neg() + " in " + list(enum_lits);
          case 2: return "kind = " + r_.pick<std::string>({"\"company\"", "\"person\""});
          default: return "t_enum is" + neg() + " null";
        }
      }
      case 3:
        return r_.u(0, 3) ? "t_multi" + neg() + " contains " + r_.pick(multi_lits) : "t_multi is" + neg() + " null";
      case 4: case 5: case 6: case 7: {
        const std::string f = r_.pick<std::string>({"lifetime_value", "t_num", "t_int", "days_since_contact",
                                                    "days_since_contact", "avg_satisfaction", "order_count", "id",
                                                    "open_tickets"});
        return ordered(f, numbers);
      }
      case 8: return "t_bool " + r_.pick<std::string>({"=", "!="}) + (r_.u(0, 1) ? " true" : " false");
      case 9: case 10: case 11: {
        const std::string f =
            r_.pick<std::string>({"t_date", "t_dt", "last_contact_at", "created_at", "first_order_at"});
        return ordered(f, dates);
      }
      case 12: {
        const std::string f = r_.pick<std::string>({"owner", "owner_id", "t_user"});
        switch (r_.u(0, 2)) {
          case 0: return f + " " + r_.pick<std::string>({"=", "!="}) + " " + r_.pick(users);
          case 1: return f + neg() + " in " + list(users);
          default: return f + " is" + neg() + " null";
        }
      }
      case 13: return "has_tag(" + r_.pick<std::string>({"\"黑名单\"", "\"vip\"", "\"none\""}) + ")";
      case 14: return "in_group(" + r_.pick<std::string>({"\"展会名单\"", "\"g1\"", "\"none\""}) + ")";
      default: return ordered("days_since_contact", numbers);
    }
  }

  Rng r_;
};

std::vector<std::int64_t> all_ids(Crm& crm) {
  std::vector<std::int64_t> ids;
  auto q = crm.database().prepare("SELECT id FROM customers ORDER BY id");
  while (q.step()) ids.push_back(q.get_int(0));
  return ids;
}

// The explain evaluator's members: customers::matches on each customer, and explain's root
// clause agreeing with it.
std::vector<std::int64_t> explain_ids(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  const Context& ctx = crm.context();
  const rules::Rule rule = rules::parse(text, customers::customer_catalog(ctx));
  std::vector<std::int64_t> out;
  for (const auto id : ids) {
    const bool m = customers::matches(ctx, rule, id);
    const auto clauses = customers::explain(ctx, rule, id);
    EXPECT_FALSE(clauses.empty());
    if (!clauses.empty()) {
      EXPECT_EQ(clauses[0].result, m) << text << " id=" << id;
    }
    if (m) out.push_back(id);
  }
  return out;
}

// Runs one rule three ways and requires the same members; returns them.
std::vector<std::int64_t> three_ways(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  const auto seg = crm.segments();
  const auto sql = seg.ids_rule(text, segments::Evaluator::Sql);
  const auto columns = seg.ids_rule(text, segments::Evaluator::Columns);
  const auto explained = explain_ids(crm, text, ids);
  EXPECT_EQ(columns, sql) << "column store vs SQL: " << text << " now=" << crm.clock().now_ms();
  EXPECT_EQ(explained, sql) << "explain vs SQL: " << text << " now=" << crm.clock().now_ms();
  return sql;
}

struct Engine {
  Crm crm = Crm::open(":memory:");
  std::vector<std::int64_t> ids;
  Engine(std::uint32_t seed, int customers) {
    crm.clock().freeze(kNow);
    define_fields(crm);
    Rng r(seed * 7919u + 3u);
    populate(crm, r, customers, kNow);
    ids = all_ids(crm);
  }
};

class RuleSemanticsDifferential : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(RuleSemanticsDifferential, SqlColumnStoreAndExplainAgreeOnEveryCustomer) {
  Engine e(GetParam(), 70);
  RuleGen gen(GetParam());
  int checked = 0;
  for (const std::int64_t now : {kNow, kNow + 12 * kHour + 1, kNow - 3 * kDay - 5, kNow + kDay - 1}) {
    e.crm.clock().freeze(now);
    for (int i = 0; i < 60; ++i) {
      const std::string text = gen.rule();
      three_ways(e.crm, text, e.ids);
      if (::testing::Test::HasFailure()) return;  // the first disagreement is the useful one
      ++checked;
    }
  }
  EXPECT_EQ(checked, 240);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RuleSemanticsDifferential, ::testing::Values(1u, 7u, 2026u));

// ---------------------------------------------------------------------------------------------
// Regressions: the cases on which the three evaluators disagreed before the semantics were one.

class RuleSemanticsRegression : public ::testing::Test {
 protected:
  Engine e{5, 0};
  std::int64_t add(const std::string& fields, std::optional<std::int64_t> last_contact = std::nullopt) {
    auto& db = e.crm.database();
    db.prepare("INSERT INTO customers(name, stage, fields, created_at, updated_at) VALUES ('x', 'prospect', ?, 0, 0)")
        .bind(1, fields)
        .exec();
    auto q = db.prepare("SELECT max(id) FROM customers");
    q.step();
    const std::int64_t id = q.get_int(0);
    if (last_contact) {
      db.prepare("INSERT OR REPLACE INTO customer_facts(customer_id, last_contact_at, updated_at) VALUES (?, ?, 0)")
          .bind(1, id)
          .bind(2, *last_contact)
          .exec();
    }
    e.ids = all_ids(e.crm);
    return id;
  }
  std::vector<std::int64_t> run(const std::string& text) { return three_ways(e.crm, text, e.ids); }
};

// explain read a multi_enum as its JSON text, so `contains` was a substring test there and a
// malformed value was not NULL.
TEST_F(RuleSemanticsRegression, MultiEnumIsAListInExplain) {
  const auto ab = add(R"({"t_multi":["ab"]})");
  const auto bad = add(R"({"t_multi":"not json"})");
  const auto mixed = add(R"({"t_multi":[1,"b"]})");
  EXPECT_EQ(run("t_multi contains \"a\""), (std::vector<std::int64_t>{}));
  EXPECT_EQ(run("t_multi not contains \"a\""), (std::vector<std::int64_t>{ab, mixed}));
  EXPECT_EQ(run("t_multi is null"), (std::vector<std::int64_t>{bad}));
  EXPECT_EQ(run("t_multi contains \"b\""), (std::vector<std::int64_t>{mixed}));
}

// SQL read a number in a text field as its text for contains/starts_with; the evaluators did
// not. A value that is not text now counts as NULL for them everywhere.
TEST_F(RuleSemanticsRegression, ContainsOnANumberInATextFieldIsFalse) {
  const auto five = add(R"({"t_text":5})");
  const auto text = add(R"({"t_text":"5"})");
  EXPECT_EQ(run("t_text contains \"5\""), (std::vector<std::int64_t>{text}));
  EXPECT_EQ(run("t_text not contains \"5\""), (std::vector<std::int64_t>{}));
  EXPECT_EQ(run("t_text starts_with \"\""), (std::vector<std::int64_t>{text}));
  EXPECT_EQ(run("t_text < \"0\""), (std::vector<std::int64_t>{five}));  // numbers sort before text
}

// Days since an instant beyond the calendar: SQLite's integer arithmetic overflows into doubles,
// where the store used to saturate.
TEST_F(RuleSemanticsRegression, DaysSinceAtTheEndsOfInt64) {
  const auto past = add("{}", kMinI);
  const auto future = add("{}", kMaxI);
  const auto recent = add("{}", kNow - kDay - 1);
  EXPECT_EQ(run("days_since_contact > 106751991167"), (std::vector<std::int64_t>{past}));
  EXPECT_EQ(run("days_since_contact < -106751000000"), (std::vector<std::int64_t>{future}));
  EXPECT_EQ(run("days_since_contact = 1"), (std::vector<std::int64_t>{recent}));
}

// A workflow over customers parses against the customers domain's catalog (facts included).
TEST_F(RuleSemanticsRegression, OwnerIdIsACustomerField) {
  auto& db = e.crm.database();
  const auto mine = add("{}");
  db.prepare("UPDATE customers SET owner_id = 2 WHERE id = ?").bind(1, mine).exec();
  add("{}");
  EXPECT_EQ(run("owner_id = 2"), (std::vector<std::int64_t>{mine}));
  EXPECT_EQ(run("owner_id = 2"), run("owner = 2"));
}

// ---------------------------------------------------------------------------------------------
// The scalar definitions against SQLite evaluating their SQL forms.

Value sqlite_value(sqlite3* db, const std::string& sql, const std::vector<std::int64_t>& params) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  for (std::size_t i = 0; i < params.size(); ++i) sqlite3_bind_int64(st, static_cast<int>(i) + 1, params[i]);
  Value out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    switch (sqlite3_column_type(st, 0)) {
      case SQLITE_INTEGER: out = Value(static_cast<std::int64_t>(sqlite3_column_int64(st, 0))); break;
      case SQLITE_FLOAT: out = Value(sqlite3_column_double(st, 0)); break;
      default: break;
    }
  }
  sqlite3_finalize(st);
  return out;
}

TEST(RuleSemanticsScalars, DaysSinceEqualsItsSql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  // ?1 is the instant; every $now becomes ?2.
  const std::string sql = "SELECT " + rules::expand_now(sem::days_since_sql(crmkit::sqlite_dialect(), "?1"), "?2").sql;
  std::vector<std::int64_t> instants = {kMinI, kMinI + 1, kMaxI, kMaxI - 1, 0, -1, 1};
  std::vector<std::int64_t> nows = {kNow, -kNow, 0, kMinI, kMaxI, kMaxI - kDay + 2};
  for (const std::int64_t off : std::vector<std::int64_t>{0, 1, -1, kDay, kDay - 1, kDay + 1, -kDay, -kDay - 1, -kDay + 1, 90 * kDay}) {
    instants.push_back(kNow + off);
  }
  for (const auto now : nows) {
    for (const auto t : instants) {
      const Value expected = sqlite_value(db, sql, {t, now});
      const Value mine = sem::days_since(Value(t), now);
      EXPECT_EQ(mine, expected) << "t=" << t << " now=" << now;
    }
  }
  // Not an integer instant: NULL, in SQL as well.
  EXPECT_TRUE(sqlite_value(db, "SELECT " + rules::expand_now(sem::days_since_sql(crmkit::sqlite_dialect(), "2.5"), "1").sql, {}).is_null());
  EXPECT_TRUE(sem::days_since(Value(2.5), 1).is_null());
  EXPECT_TRUE(sem::days_since(Value("2026-01-01"), 1).is_null());
  sqlite3_close(db);
}

TEST(RuleSemanticsScalars, ComparisonFollowsSqlite) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  const std::vector<std::pair<std::string, Value>> values = {
      {"1", Value(1)}, {"2.5", Value(2.5)}, {"9007199254740993", Value(9007199254740993LL)},
      {"9007199254740992.0", Value(9007199254740992.0)}, {"-0.0", Value(-0.0)}, {"0", Value(0)},
      {"'a'", Value("a")}, {"'B'", Value("B")}, {"''", Value("")}, {"'é'", Value("é")}, {"'5'", Value("5")},
      {"9223372036854775807", Value(kMaxI)}, {"9223372036854775807.0", Value(9223372036854775807.0)}};
  for (const auto& [ta, a] : values) {
    for (const auto& [tb, b] : values) {
      const Value lt = sqlite_value(db, "SELECT " + ta + " < " + tb, {});
      const Value eq = sqlite_value(db, "SELECT " + ta + " = " + tb, {});
      const int c = sem::compare(a, b);
      EXPECT_EQ(c < 0, lt == Value(1)) << ta << " < " << tb;
      EXPECT_EQ(c == 0, eq == Value(1)) << ta << " = " << tb;
    }
  }
  sqlite3_close(db);
}

TEST(RuleSemanticsScalars, NullRuleAndLiterals) {
  for (const auto op : {rules::Op::Eq, rules::Op::Ne, rules::Op::Lt, rules::Op::In, rules::Op::NotIn,
                        rules::Op::Between, rules::Op::NotBetween, rules::Op::Contains, rules::Op::NotContains,
                        rules::Op::StartsWith, rules::Op::NotStartsWith, rules::Op::IsNotNull}) {
    EXPECT_FALSE(sem::holds(op, Value(), {Value("a"), Value("b")}));
  }
  EXPECT_TRUE(sem::holds(rules::Op::IsNull, Value(), {}));
  rules::Operand rel;
  rel.relative = true;
  rel.count = -90;
  rel.unit = 'd';
  EXPECT_EQ(sem::literal(rel, kNow), Value(kNow - 90 * kDay));
  rules::Operand yes;
  yes.value = Value(true);
  EXPECT_EQ(sem::literal(yes, kNow), Value(1));
  EXPECT_EQ(sem::multi_enum_value(R"([1,"b",["a"]])"), Value(Value::List{"b"}));
  EXPECT_TRUE(sem::multi_enum_value(R"({"a":1})").is_null());
}

}  // namespace
}  // namespace crmkit
