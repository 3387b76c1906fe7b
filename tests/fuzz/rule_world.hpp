// Random customers and random rules for the rule targets, drawn from a chooser (`pick(lo, hi)`
// returning an int in [lo, hi]): a seeded generator for a fixed population, or the fuzzer's
// bytes, so that libFuzzer's mutations steer both the data and the rules. The values are the
// awkward ones: NULLs, cells of unexpected storage classes, numbers beyond 2^53, instants on
// both sides of day boundaries and at the ends of int64, text with emoji and LIKE wildcards.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/segments/segments.hpp"
#include "fuzz_engine.hpp"

namespace crmkit::fuzz {

using Pick = std::function<int(int, int)>;

template <typename T>
const T& choose(const Pick& pick, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))];
}

inline std::int64_t instant(const Pick& pick) {
  static const std::vector<std::int64_t> offsets = {0, -1, 1, -kDay, -kDay - 1, kDay, kDay - 1, -90 * kDay,
                                                    -90 * kDay - 1, 14 * kDay, -1000 * kDay, 2 * kDay + 7};
  if (pick(0, 30) == 0)
    return choose<std::int64_t>(pick, {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                                       -kDay, 0});
  return kNow + choose(pick, offsets) + pick(-2, 2) * 3600000LL;
}

inline std::string fields_json(const Pick& pick) {
  std::string s = "{";
  auto add = [&](const std::string& key, const std::vector<std::string>& values) {
    if (pick(0, 5) == 0) return;
    if (s.size() > 1) s += ",";
    s += "\"" + key + "\":" + (pick(0, 7) == 0 ? std::string("null") : choose(pick, values));
  };
  add("t_text", {"\"\"", "\"a\"", "\"ab\"", "\"华东\"", "\"😀\"", "\"a😀b\"", "\"%\"", "\"_\"", "\"é\"", "5", "true",
                 "\"x\\\" or 1=1 --\""});
  add("t_num", {"-1", "0", "1", "2.5", "5", "9007199254740993", "-0.5", "1e300", "\"5\"", "true", "-0.0"});
  add("t_int", {"-3", "0", "1", "2.5", "\"x\"", "9223372036854775807", "-9223372036854775808", "9007199254740993"});
  add("t_bool", {"true", "false", "1", "0"});
  add("t_date", {std::to_string((kNow / kDay + pick(-100, 20)) * kDay), std::to_string(kNow)});
  add("t_dt", {std::to_string(instant(pick)), "\"2026-01-01\""});
  add("t_enum", {"\"华东\"", "\"华南\"", "\"华北\"", "5", "\"东北\""});
  add("t_multi", {"[]", "[\"a\"]", "[\"a\",\"b\"]", "[\"重要\",\"c\"]", "[1,\"b\"]", "\"not json\"", "\"a\"",
                  "{\"x\":\"a\"}", "[[\"a\"],\"c\"]", "[\"ab\"]"});
  add("t_user", {"1", "2", "4", "2.0", "\"2\""});
  return s + "}";
}

// `count` customers with facts, tags and groups, written as raw rows (the shapes the API would
// refuse included). Users u1..u4 and groups 展会名单, g1 are created through the API first.
inline void populate(Crm& crm, const Pick& pick, int count) {
  std::vector<std::int64_t> owners;
  for (int u = 1; u <= 4; ++u) owners.push_back(crm.users().add({"u" + std::to_string(u), "User", "sales", {}, {}, {}}).id);
  crm.groups().add("展会名单");
  crm.groups().add("g1");
  auto& db = crm.database();
  db::Transaction tx(db);
  for (int i = 1; i <= count; ++i) {
    auto st = db.prepare(
        "INSERT INTO customers(id, name, kind, industry, owner_id, source, stage, fields, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, static_cast<std::int64_t>(i * 2));
    st.bind(2, choose<std::string>(pick, {"", "a", "ab", "abc", "A", "华东", "制造", "😀", "a😀b", "é"}));
    st.bind(3, std::string(pick(0, 1) ? "company" : "person"));
    if (pick(0, 4) == 0) st.bind_null(4);
    else st.bind(4, choose<std::string>(pick, {"制造", "能源", "IT"}));
    if (pick(0, 4) == 0) st.bind_null(5);
    else st.bind(5, choose(pick, owners));
    if (pick(0, 2) == 0) st.bind_null(6);
    else st.bind(6, choose<std::string>(pick, {"展会", "官网", "a"}));
    st.bind(7, choose<std::string>(pick, {"prospect", "customer", "lost"}));
    st.bind(8, fields_json(pick));
    st.bind(9, instant(pick)).bind(10, kNow);
    st.exec();
    if (pick(0, 5) != 0) {
      auto f = db.prepare(
          "INSERT INTO customer_facts(last_contact_at, interaction_count, order_count, lifetime_value_cents, "
          "first_order_at, satisfaction_sum, satisfaction_count, open_tickets, customer_id, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
      if (pick(0, 3) == 0) f.bind_null(1);
      else f.bind(1, instant(pick));
      f.bind(2, static_cast<std::int64_t>(pick(0, 5))).bind(3, static_cast<std::int64_t>(pick(0, 5)));
      f.bind(4, choose<std::int64_t>(pick, {0, 1, 250, 1000000, 999999, -50}));
      if (pick(0, 1) == 0) f.bind_null(5);
      else f.bind(5, instant(pick));
      f.bind(6, static_cast<std::int64_t>(pick(0, 20))).bind(7, static_cast<std::int64_t>(pick(0, 4)));
      f.bind(8, static_cast<std::int64_t>(pick(0, 3))).bind(9, static_cast<std::int64_t>(i * 2));
      f.exec();
    }
    for (const char* tag : {"黑名单", "vip"})
      if (pick(0, 2) == 0)
        db.prepare("INSERT INTO customer_tags(customer_id, tag) VALUES (?, ?)")
            .bind(1, static_cast<std::int64_t>(i * 2))
            .bind(2, std::string(tag))
            .exec();
    for (const char* group : {"展会名单", "g1"})
      if (pick(0, 3) == 0)
        db.prepare("INSERT INTO group_members(group_id, customer_id, added_at) SELECT id, ?, 0 FROM groups WHERE name = ?")
            .bind(1, static_cast<std::int64_t>(i * 2))
            .bind(2, std::string(group))
            .exec();
  }
  tx.commit();
}

// A rule of the grammar's every construct over the fields populate() fills.
inline std::string random_rule(const Pick& pick, int depth = 0) {
  static const std::vector<std::string> texts = {"\"\"", "\"a\"", "\"ab\"", "\"华东\"", "\"华\"", "\"😀\"", "\"%\"",
                                                 "\"_\"", "\"é\"", "\"5\"", "\"制造\"", "\"IT\""};
  static const std::vector<std::string> numbers = {"-1", "0", "1", "2.5", "5", "5.0", "1e3", "9007199254740993",
                                                   "-0.5", "-0.0", "100000", "9223372036854775807",
                                                   "-9223372036854775808", "1e300", "-1e300", "90", "106751991168"};
  static const std::vector<std::string> dates = {"now", "now - 90d", "now + 2w", "now - 12h", "now - 1d",
                                                 "\"2026-01-01\"", "\"2026-03-01T12:00:00Z\"", "\"2026-03-02\""};
  static const std::vector<std::string> cmp = {"=", "!=", "<", "<=", ">", ">="};
  auto neg = [&] { return pick(0, 1) ? std::string(" not") : std::string(); };
  auto list = [&](const std::vector<std::string>& pool) {
    std::string s = "(" + choose(pick, pool);
    for (int n = pick(0, 3); n > 0; --n) s += ", " + choose(pick, pool);
    return s + ")";
  };
  auto ordered = [&](const std::string& f, const std::vector<std::string>& lits) {
    switch (pick(0, 4)) {
      case 0: case 1: return f + " " + choose(pick, cmp) + " " + choose(pick, lits);
      case 2: return f + neg() + " in " + list(lits);
      case 3: return f + neg() + " between " + choose(pick, lits) + " and " + choose(pick, lits);
      default: return f + " is" + neg() + " null";
    }
  };
  if (depth < 3 && pick(0, 1) == 0) {
    if (pick(0, 3) == 0) return "not (" + random_rule(pick, depth + 1) + ")";
    const char* op = pick(0, 1) ? " and " : " or ";
    std::string s = "(" + random_rule(pick, depth + 1) + ")";
    for (int n = pick(1, 3); n > 0; --n) s += op + std::string("(") + random_rule(pick, depth + 1) + ")";
    return s;
  }
  switch (pick(0, 9)) {
    case 0: {
      const std::string f = choose<std::string>(pick, {"name", "industry", "t_text", "source"});
      switch (pick(0, 2)) {
        case 0: return f + neg() + " contains " + choose(pick, texts);
        case 1: return f + neg() + " starts_with " + choose(pick, texts);
        default: return ordered(f, texts);
      }
    }
    case 1: return ordered("t_enum", {"\"华东\"", "\"华南\"", "\"东北\""});
    case 2: return "t_multi" + neg() + " contains " + choose<std::string>(pick, {"\"a\"", "\"b\"", "\"重要\""});
    case 3: case 4:
      return ordered(choose<std::string>(pick, {"lifetime_value", "t_num", "t_int", "days_since_contact",
                                                "avg_satisfaction", "order_count", "id", "open_tickets"}),
                     numbers);
    case 5: return std::string("t_bool ") + (pick(0, 1) ? "=" : "!=") + (pick(0, 1) ? " true" : " false");
    case 6:
      return ordered(choose<std::string>(pick, {"t_date", "t_dt", "last_contact_at", "created_at", "first_order_at"}),
                     dates);
    case 7: return ordered(choose<std::string>(pick, {"owner", "owner_id", "t_user"}), {"1", "2", "4", "5"});
    case 8: return "has_tag(" + choose<std::string>(pick, {"\"黑名单\"", "\"vip\"", "\"none\""}) + ")";
    default: return "in_group(" + choose<std::string>(pick, {"\"展会名单\"", "\"g1\"", "\"none\""}) + ")";
  }
}

// The members by the compiled SQL, the column store and the explain evaluator; a disagreement
// (or an explain whose root clause contradicts matches()) is a finding. Returns false when the
// rule is refused (by all three alike).
inline bool three_ways_agree(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  const auto seg = crm.segments();
  std::vector<std::int64_t> sql, columns, explained;
  const bool sql_ok = accepted([&] { sql = seg.ids_rule(text, segments::Evaluator::Sql); });
  const bool col_ok = accepted([&] { columns = seg.ids_rule(text, segments::Evaluator::Columns); });
  const bool exp_ok = accepted([&] {
    const Context& ctx = crm.context();
    const rules::Rule rule = rules::parse(text, customers::customer_catalog(ctx));
    for (const auto id : ids) {
      const bool m = customers::matches(ctx, rule, id);
      const auto clauses = customers::explain(ctx, rule, id);
      if (clauses.empty() || clauses[0].result != m) finding("explain's root clause contradicts matches(): " + text);
      if (m) explained.push_back(id);
    }
  });
  if (sql_ok != col_ok || sql_ok != exp_ok)
    finding("the evaluators disagree on whether the rule is valid: " + text);
  if (!sql_ok) return false;
  if (columns != sql) finding("column store vs SQL: " + text);
  if (explained != sql) finding("explain vs SQL: " + text);
  return true;
}

inline std::vector<std::int64_t> all_ids(Crm& crm) {
  std::vector<std::int64_t> ids;
  auto q = crm.database().prepare("SELECT id FROM customers ORDER BY id");
  while (q.step()) ids.push_back(q.get_int(0));
  return ids;
}

}  // namespace crmkit::fuzz
