// Regressions found by fuzzing and by the hostile-input tests (docs/reliability.md): each input
// that once crashed the engine or escaped as something other than a crmkit::Error.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/customers/customers.hpp"
#include "crmkit/error.hpp"
#include "crmkit/segments/segments.hpp"
#include "crmkit/workflow/workflows.hpp"

namespace crmkit {
namespace {

std::string nested_lists(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A definition nested 200,000 levels deep overflowed the stack while the parsed JSON was written
// back out (dump() recurses); now the parser stops at the depth limit and reports a problem.
TEST(ReliabilityRegression, DeeplyNestedWorkflowDefinitionIsAProblemNotACrash) {
  Crm crm = Crm::open(":memory:");
  for (int depth : {65, 1000, 200000}) {
    const std::string text = R"({"name": "deep", "steps": )" + nested_lists(depth) + "}";
    const auto problems = crm.workflows().validate(text);
    ASSERT_EQ(problems.size(), 1u) << depth;
    EXPECT_EQ(problems[0].path, "$");
    EXPECT_NE(problems[0].message.find("levels"), std::string::npos) << problems[0].message;
    EXPECT_THROW(crm.workflows().define(text), WorkflowError) << depth;
  }
  // At the limit the nesting is not what is wrong.
  const auto shallow = crm.workflows().validate(R"({"name": "ok", "steps": )" + nested_lists(60) + "}");
  for (const auto& p : shallow) EXPECT_EQ(p.message.find("levels"), std::string::npos) << p.message;
}

// A number too large for a double ("22222222E22222", found by fuzz_workflow_definition in CI)
// made the JSON parser throw its out_of_range error, which escaped validate() as a non-crmkit
// exception; now it is a problem at "$" like any other text that is not a definition.
TEST(ReliabilityRegression, AnOverflowingNumberInAWorkflowDefinitionIsAProblem) {
  Crm crm = Crm::open(":memory:");
  for (const std::string& text : {std::string("22222222E22222"), std::string(R"({"name": "big", "sla_hours": 1e999})"),
                                 std::string(R"({"name": "big", "steps": [-1e400]})")}) {
    std::vector<workflow::Problem> problems;
    ASSERT_NO_THROW(problems = crm.workflows().validate(text)) << text;
    ASSERT_EQ(problems.size(), 1u) << text;
    EXPECT_EQ(problems[0].path, "$");
    EXPECT_NE(problems[0].message.find("number"), std::string::npos) << problems[0].message;
    EXPECT_THROW(crm.workflows().define(text), WorkflowError) << text;
  }
}

// Rules the parser accepts but SQLite could not compile: 50 nested negations overflowed its parser
// stack, and thousands of and-ed clauses its expression depth (1000) — both a StorageError. The
// compiler now folds double negations and joins long lists as a balanced tree.
TEST(ReliabilityRegression, EveryRuleTheParserAcceptsCompilesToSql) {
  Crm crm = Crm::open(":memory:");
  customers::CustomerInput in;
  in.attrs["name"] = Value{std::string("a")};
  crm.customers().add(in);
  const auto seg = crm.segments();
  std::string nots;
  for (int i = 0; i < 63; ++i) nots += "not ";
  std::string ands = "id > 0", ors = "id < 0";
  for (int i = 0; i < 5000; ++i) {
    ands += " and id > 0";
    ors += " or id < 0";
  }
  ors += " or id > 0";
  for (const auto how : {segments::Evaluator::Sql, segments::Evaluator::Columns}) {
    EXPECT_EQ(seg.ids_rule(nots + "id > 0", how).size(), 0u);          // an odd number of negations
    EXPECT_EQ(seg.ids_rule("not " + nots + "id > 0", how).size(), 1u);  // an even number
    EXPECT_EQ(seg.ids_rule(ands, how).size(), 1u);
    EXPECT_EQ(seg.ids_rule(ors, how).size(), 1u);
  }
}

// Found by the sanitized run (UBSan, signed overflow): explain rendered a date-time at the ends
// of int64 by multiplying the day back into milliseconds, which overflows for the earliest
// instants. The time of day is now the remainder, which cannot overflow.
TEST(ReliabilityRegression, ExplainRendersInstantsAtTheEndsOfInt64) {
  Crm crm = Crm::open(":memory:");
  customers::CustomerInput in;
  in.attrs["name"] = Value{std::string("a")};
  const auto id = crm.customers().add(in).id;
  const Context& ctx = crm.context();
  const auto rule = rules::parse("last_contact_at < now", customers::customer_catalog(ctx));
  auto value_at = [&](std::int64_t instant) {
    crm.database()
        .prepare("INSERT OR REPLACE INTO customer_facts(customer_id, last_contact_at, updated_at) VALUES (?, ?, 0)")
        .bind(1, id)
        .bind(2, instant)
        .exec();
    const auto clauses = customers::explain(ctx, rule, id);
    return clauses.empty() ? std::string() : clauses[0].value;
  };
  // INT64_MIN is 16:47:04.192 after the midnight before it, INT64_MAX 7:12:55.807 after its own.
  const std::string earliest = value_at(std::numeric_limits<std::int64_t>::min());
  const std::string latest = value_at(std::numeric_limits<std::int64_t>::max());
  EXPECT_NE(earliest.find("T16:47:04.192Z"), std::string::npos) << earliest;
  EXPECT_NE(latest.find("T07:12:55.807Z"), std::string::npos) << latest;
}

}  // namespace
}  // namespace crmkit
