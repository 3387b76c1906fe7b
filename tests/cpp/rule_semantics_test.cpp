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
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/segments/segments.hpp"
#include "../support/rule_world.hpp"

namespace crmkit {
namespace {

using rules::Value;
namespace sem = rules::semantics;

using namespace rule_world;  // kNow, kDay, kHour, kMinI, kMaxI, the engine and the generators

// Runs one rule three ways and requires the same members; returns them.
std::vector<std::int64_t> three_ways(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  const ThreeWays result = rule_world::three_ways(crm, text, ids);
  EXPECT_TRUE(result.valid) << text;
  EXPECT_EQ(result.disagreement, "");
  return result.members;
}

struct Engine {
  Crm crm = make_engine();
  std::vector<std::int64_t> ids;
  Engine(std::uint32_t seed, int customers) {
    populate(crm, seeded(seed * 7919u + 3u), customers, kNow);
    ids = all_ids(crm);
  }
};

class RuleSemanticsDifferential : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(RuleSemanticsDifferential, SqlColumnStoreAndExplainAgreeOnEveryCustomer) {
  Engine e(GetParam(), 70);
  RuleGen gen(seeded(GetParam()));
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
