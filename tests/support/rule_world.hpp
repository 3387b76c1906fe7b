// The world the rule differential checks run in, shared by tests/cpp/rule_semantics_test.cpp
// (seeded) and the fuzz targets of tests/fuzz/ (steered by the fuzzer's bytes): an engine whose
// customer catalog has a custom field of every type, customers written as raw rows (the shapes
// the API would refuse included: NULLs, cells of unexpected storage classes, numbers beyond 2^53,
// instants on both sides of day boundaries and at the ends of int64, text with emoji and LIKE
// wildcards), a generator of rules of every construct, and the three evaluators run side by side.
//
// Every random decision goes through a Chooser, so the same code serves a seeded generator and
// libFuzzer's mutations. No test framework here: a disagreement is returned as text, and each
// caller reports it its own way (a GoogleTest failure, a fuzz finding).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crmkit/crm.hpp"
#include "crmkit/customers/catalog.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"
#include "crmkit/rules/rule.hpp"
#include "crmkit/segments/segments.hpp"

namespace crmkit::rule_world {

// 2026-03-01T12:00:00Z: a fixed "now", so that a failure replays.
inline constexpr std::int64_t kNow = 1772366400000;
inline constexpr std::int64_t kDay = 86400000;
inline constexpr std::int64_t kHour = 3600000;
inline constexpr std::int64_t kMinI = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kMaxI = std::numeric_limits<std::int64_t>::max();

// The source of every random decision: `int(lo, hi)` returns an int in [lo, hi].
class Chooser {
 public:
  using Pick = std::function<int(int, int)>;
  explicit Chooser(Pick pick) : pick_(std::move(pick)) {}

  int u(int lo, int hi) const { return pick_(lo, hi); }
  bool one_in(int n) const { return u(0, n - 1) == 0; }
  template <typename T>
  const T& pick(const std::vector<T>& v) const {
    return v[static_cast<std::size_t>(u(0, static_cast<int>(v.size()) - 1))];
  }

 private:
  Pick pick_;
};

// A Chooser over a seeded Mersenne twister (the generator lives as long as the chooser).
inline Chooser seeded(std::uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return Chooser([rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(*rng); });
}

// Instants near now, on both sides of day boundaries, and far away.
inline std::int64_t instant(const Chooser& r, std::int64_t now) {
  static const std::vector<std::int64_t> offsets = {0, -1, 1, -kDay, -kDay - 1, -kDay + 1, kDay, kDay - 1, kDay + 1,
                                                    -90 * kDay, -90 * kDay - 1, -91 * kDay + 1, -12 * kHour,
                                                    14 * kDay, -1000 * kDay, 2 * kDay + 7};
  if (r.one_in(40)) return r.pick<std::int64_t>({kMinI, kMinI + 1, kMaxI, kMaxI - kDay, -kDay, 0});
  return now + r.pick(offsets) + r.u(-2, 2) * kHour;
}

// Midnights (date fields hold them), sometimes not.
inline std::int64_t day_value(const Chooser& r, std::int64_t now) {
  const std::int64_t midnight = (now / kDay + r.u(-100, 20)) * kDay;
  return r.one_in(10) ? midnight + kHour : midnight;
}

// Custom fields on customers: one of every type.
inline void define_fields(Crm& crm) {
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

// An in-memory engine at the fixed now, with define_fields' catalog.
inline Crm make_engine() {
  Crm crm = Crm::open(":memory:");
  crm.clock().freeze(kNow);
  define_fields(crm);
  return crm;
}

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A JSON object of custom fields with absent keys, nulls and values of unexpected types (data
// written before a field's validation existed, or by another tool).
inline std::string fields_json(const Chooser& r, std::int64_t now) {
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

// `count` customers (ids 2, 4, ...) with facts, tags and groups, written as raw rows. Users
// u1..u4 and the groups 展会名单 and g1 are created through the API first.
inline void populate(Crm& crm, const Chooser& r, int count, std::int64_t now) {
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

// Rules of the grammar's every construct over the fields populate() fills.
class RuleGen {
 public:
  explicit RuleGen(Chooser r) : r_(std::move(r)) {}

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

  Chooser r_;
};

inline std::vector<std::int64_t> all_ids(Crm& crm) {
  std::vector<std::int64_t> ids;
  auto q = crm.database().prepare("SELECT id FROM customers ORDER BY id");
  while (q.step()) ids.push_back(q.get_int(0));
  return ids;
}

// One rule's members by the compiled SQL (segments, Evaluator::Sql), the column store
// (Evaluator::Columns) and the explain evaluator (customers::matches on each customer, with
// explain's root clause required to agree with it). A crmkit::Error from an evaluator is its
// refusal of the rule; any other exception propagates to the caller.
struct ThreeWays {
  bool valid = false;                  // the SQL path accepted the rule
  std::vector<std::int64_t> members;   // the SQL path's answer
  std::string disagreement;            // empty when all three agree (on validity and members)
};

inline ThreeWays three_ways(Crm& crm, const std::string& text, const std::vector<std::int64_t>& ids) {
  const auto seg = crm.segments();
  auto refused = [](auto&& f) {
    try {
      f();
      return false;
    } catch (const crmkit::Error&) {
      return true;
    }
  };
  std::vector<std::int64_t> sql, columns, explained;
  std::string explain_problem;
  const bool sql_refused = refused([&] { sql = seg.ids_rule(text, segments::Evaluator::Sql); });
  const bool col_refused = refused([&] { columns = seg.ids_rule(text, segments::Evaluator::Columns); });
  const bool exp_refused = refused([&] {
    const Context& ctx = crm.context();
    const rules::Rule rule = rules::parse(text, customers::customer_catalog(ctx));
    for (const auto id : ids) {
      const bool m = customers::matches(ctx, rule, id);
      const auto clauses = customers::explain(ctx, rule, id);
      if (explain_problem.empty() && (clauses.empty() || clauses[0].result != m))
        explain_problem = "explain's root clause contradicts matches() for id " + std::to_string(id);
      if (m) explained.push_back(id);
    }
  });
  ThreeWays out;
  out.valid = !sql_refused;
  out.members = sql;
  const std::string where = ": " + text + " (now=" + std::to_string(crm.clock().now_ms()) + ")";
  if (sql_refused != col_refused || sql_refused != exp_refused)
    out.disagreement = "the evaluators disagree on whether the rule is valid" + where;
  else if (!sql_refused && columns != sql)
    out.disagreement = "column store vs SQL" + where;
  else if (!sql_refused && explained != sql)
    out.disagreement = "explain vs SQL" + where;
  else if (!explain_problem.empty())
    out.disagreement = explain_problem + where;
  return out;
}

}  // namespace crmkit::rule_world
