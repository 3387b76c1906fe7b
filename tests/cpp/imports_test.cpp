// Identity keys, the import pipeline, duplicate search and merge through the C++ API alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "crmkit/crm.hpp"
#include "crmkit/customers/duplicates.hpp"
#include "crmkit/customers/keys.hpp"
#include "crmkit/customers/locks.hpp"
#include "crmkit/error.hpp"
#include "crmkit/imports/merge.hpp"
#include "crmkit/io/clean.hpp"

using namespace crmkit;
using customers::CustomerInput;
using imports::ImportOptions;
using imports::OnMatch;

namespace {

struct Org {
  Crm crm = Crm::open(":memory:");
  org::User boss, alice, bob;
  Org() {
    crm.clock().freeze(parse_timestamp("2026-01-01T09:00", "t").ms);
    auto east = crm.teams().add("华东销售部");
    auto west = crm.teams().add("华西销售部");
    boss = crm.users().add({"zhang", "张总", "manager", east.id, std::nullopt, std::nullopt});
    alice = crm.users().add({"alice", "Alice", "sales", east.id, boss.id, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", west.id, std::nullopt, std::nullopt});
  }
  customers::Customer customer(const std::string& name, std::optional<std::string> phone = std::nullopt,
                               std::optional<std::string> email = std::nullopt,
                               std::optional<std::int64_t> owner = std::nullopt) {
    CustomerInput in;
    in.attrs["name"] = name;
    if (phone) in.attrs["phone"] = *phone;
    if (email) in.attrs["email"] = *email;
    if (owner) in.attrs["owner"] = *owner;
    return crm.customers().add(in);
  }
  std::int64_t count(const std::string& table) {
    auto q = crm.database().prepare("SELECT count(*) FROM " + table);
    q.step();
    return q.get_int(0);
  }
};

io::VectorSource rows(std::vector<std::string> header, std::vector<std::vector<std::string>> data) {
  return io::VectorSource(std::move(header), std::move(data));
}

schema::FieldDef field(const std::string& name, schema::FieldType type, std::vector<std::string> options = {}) {
  schema::FieldDef d;
  d.entity = "customer";
  d.name = name;
  d.type = type;
  d.options = std::move(options);
  return d;
}

ImportOptions mapped(std::vector<std::pair<std::string, std::string>> mapping) {
  ImportOptions o;
  o.mapping = std::move(mapping);
  return o;
}

// The problems of a report as "row|column|message-fragment" for readable assertions.
std::vector<std::tuple<std::int64_t, std::string, std::string>> problems(const imports::ImportReport& r) {
  std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
  for (std::size_t i = 0; i < r.problems.rows(); ++i)
    out.emplace_back(r.problems.column(0).ints[i], r.problems.column(1).texts[i], r.problems.column(3).texts[i]);
  return out;
}

}  // namespace

// ---- identity keys ------------------------------------------------------------------------

TEST(IdentityKeys, OneKeyForEverySpellingOfAPhoneAnEmailAndACompany) {
  auto a = customers::identity_keys(std::string("(021) 5555 0000"), std::string(" Info@Example.CN "),
                                    std::string("ABC科技有限公司"), true);
  auto b = customers::identity_keys(std::string("+86 21 5555 0000"), std::string("info@example.cn"),
                                    std::string("ＡＢＣ 科技"), true);
  EXPECT_EQ(a.phone, "+862155550000");
  EXPECT_EQ(a.phone, b.phone);
  EXPECT_EQ(a.email, b.email);
  EXPECT_EQ(a.name, "abc");
  EXPECT_EQ(a.name, b.name);
  auto full_width = customers::identity_keys(std::string("１３９　００００　００００"), std::nullopt, std::nullopt, false);
  EXPECT_EQ(full_width.phone, "+8613900000000");
  // Text that is no phone or e-mail gives no key rather than a key that would match other junk.
  auto junk = customers::identity_keys(std::string("12"), std::string("not-mail"), std::string("王先生"), false);
  EXPECT_FALSE(junk.phone);
  EXPECT_FALSE(junk.email);
  EXPECT_FALSE(junk.name);
  EXPECT_EQ(junk.person, "王先生");
}

TEST(IdentityKeys, WrittenWithEveryWriteAndFoundThroughTheIndex) {
  Org o;
  auto c = o.customer("上海某某科技有限公司", "(021) 5555 0000", "info@example.cn");
  customers::CustomerKeys keys(o.crm.context());
  EXPECT_EQ(keys.customers_with("phone", "+862155550000"), std::vector<std::int64_t>{c.id});
  EXPECT_EQ(keys.customers_with("name", "上海某某"), std::vector<std::int64_t>{c.id});
  CustomerInput change;
  change.attrs["phone"] = std::string("13800138000");
  o.crm.customers().update(c.id, change);
  EXPECT_TRUE(keys.customers_with("phone", "+862155550000").empty());
  EXPECT_EQ(keys.customers_with("phone", "+8613800138000"), std::vector<std::int64_t>{c.id});
  customers::ContactInput ci;
  ci.attrs["name"] = std::string("李雷");
  ci.attrs["phone"] = std::string("139 0013 9000");
  auto contact = o.crm.contacts().add(c.id, ci);
  EXPECT_EQ(keys.customers_with("phone", "+8613900139000"), std::vector<std::int64_t>{c.id});
  o.crm.contacts().remove(contact.id);
  EXPECT_TRUE(keys.customers_with("phone", "+8613900139000").empty());
  std::vector<CustomerInput> many(3);
  for (int i = 0; i < 3; ++i) {
    many[i].attrs["name"] = "批量" + std::to_string(i);
    many[i].attrs["phone"] = "1370000000" + std::to_string(i);
  }
  auto ids = o.crm.customers().add_many(many);
  EXPECT_EQ(keys.customers_with("phone", "+8613700000002"), std::vector<std::int64_t>{ids[2]});
  o.crm.customers().remove(ids[2]);
  EXPECT_TRUE(keys.customers_with("phone", "+8613700000002").empty());
}

TEST(IdentityKeys, LeadConversionMatchesFullWidthAndDifferentlyTypedPhonesAndCompanyNames) {
  Org o;
  auto c = o.customer("ABC科技有限公司", "(021) 5555 0000");
  pipeline::LeadInput l;
  l.attrs["name"] = std::string("王先生");
  l.attrs["phone"] = std::string("+86 21 5555 0000");
  auto res = o.crm.leads().convert(o.crm.leads().add(l).id, {});
  EXPECT_TRUE(res.matched_existing);
  EXPECT_EQ(res.customer.id, c.id);
  EXPECT_EQ(res.matched_on, "phone");
  pipeline::LeadInput byname;
  byname.attrs["name"] = std::string("李女士");
  byname.attrs["company"] = std::string("ＡＢＣ 科技");
  auto res2 = o.crm.leads().convert(o.crm.leads().add(byname).id, {});
  EXPECT_EQ(res2.customer.id, c.id);
  EXPECT_EQ(res2.matched_on, "name");
}

TEST(IdentityKeys, UsersEmailIsShapeCheckedAndLowerCased) {
  Org o;
  auto u = o.crm.users().add({"wang", "王", "sales", std::nullopt, std::nullopt, std::string("Wang@Example.CN")});
  EXPECT_EQ(u.email, "wang@example.cn");
  try {
    o.crm.users().add({"li", "李", "sales", std::nullopt, std::nullopt, std::string("li@example")});
    FAIL() << "a bad e-mail was accepted";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "email");
  }
}

TEST(IdentityKeys, BackFilledForRowsThatPredateTheKeys) {
  auto path = std::filesystem::temp_directory_path() / "crmkit_keys_backfill.db";
  std::filesystem::remove(path);
  std::int64_t id = 0;
  {
    auto crm = Crm::open(path.string());
    CustomerInput in;
    in.attrs["name"] = std::string("老客户有限公司");
    in.attrs["phone"] = std::string("021-5555 0000");
    id = crm.customers().add(in).id;
    // As a crmkit of schema 7 left the file: no keys, the marker of the migration.
    crm.database().exec("DELETE FROM customer_keys; INSERT INTO customer_keys_backfill(pending) VALUES (1);");
  }
  auto crm = Crm::open(path.string());
  customers::CustomerKeys keys(crm.context());
  EXPECT_EQ(keys.customers_with("phone", "+862155550000"), std::vector<std::int64_t>{id});
  auto q = crm.database().prepare("SELECT count(*) FROM customer_keys_backfill");
  q.step();
  EXPECT_EQ(q.get_int(0), 0);
  crm.close();
  std::filesystem::remove(path);
}

// ---- imports --------------------------------------------------------------------------------

TEST(Imports, AMappingToAnUnknownFieldIsRefusedBeforeAnythingIsRead) {
  Org o;
  auto src = rows({"客户名称", "地址"}, {{"甲公司", "上海"}});
  try {
    o.crm.imports().customers(src, mapped({{"客户名称", "name"}, {"地址", "address"}}));
    FAIL() << "an unknown field was accepted";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "address");
    EXPECT_NE(std::string(e.what()).find("address"), std::string::npos);
  }
  EXPECT_EQ(src.consumed(), 0u);  // not one row read
  EXPECT_THROW(o.crm.imports().customers(src, mapped({{"名称", "name"}})), ValidationError);  // no such column
}

TEST(Imports, ChineseHeadersCustomFieldsAndCleaning) {
  Org o;
  o.crm.fields().add(field("region", schema::FieldType::Enum, {"华东", "华南"}));
  auto src = rows({"客户名称", "手机", "邮箱", "地区", "标签"},
                  {{"  上海　某某科技有限公司 ", "１３９ ００００ ００００", "Info@Example.CN", "华东", "VIP，重点"},
                   {"北京某某", "13800138000", "", "华南", ""}});
  auto rep = o.crm.imports().customers(
      src, mapped({{"客户名称", "name"}, {"手机", "phone"}, {"邮箱", "email"}, {"地区", "region"}, {"标签", "tags"}}));
  EXPECT_EQ(rep.created, 2);
  EXPECT_EQ(rep.problems.rows(), 0u);
  EXPECT_TRUE(rep.committed);
  auto t = o.crm.customers().find({});
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.column(1).texts[0], "上海 某某科技有限公司");
  EXPECT_EQ(t.column(6).texts[0], "+8613900000000");
  EXPECT_EQ(t.column(7).texts[0], "info@example.cn");
  auto c = o.crm.customers().get(t.column(0).ints[0]);
  EXPECT_EQ(c.tags, (std::vector<std::string>{"VIP", "重点"}));
  EXPECT_EQ(c.fields.at("region").as<std::string>(), "华东");
}

TEST(Imports, BadCellsAreProblemsOfTheirRowAndColumnAndTheGoodRowsAreWritten) {
  Org o;
  o.crm.fields().add(field("signed", schema::FieldType::Date));
  o.crm.fields().add(field("budget", schema::FieldType::Number));
  auto src = rows({"名称", "电话", "签约日", "预算"}, {{"好公司", "13800138000", "2026年1月5日", "1.2万"},
                                                      {"坏电话", "12345", "", ""},
                                                      {"坏日期", "", "2026-02-30", ""},
                                                      {"坏金额", "", "", "1,2,3元"},
                                                      {"", "13900139000", "", ""}});
  auto rep = o.crm.imports().customers(
      src, mapped({{"名称", "name"}, {"电话", "phone"}, {"签约日", "signed"}, {"预算", "budget"}}));
  EXPECT_EQ(rep.rows, 5);
  EXPECT_EQ(rep.created, 1);
  EXPECT_EQ(rep.failed, 4);
  auto p = problems(rep);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(std::get<0>(p[0]), 2);
  EXPECT_EQ(std::get<1>(p[0]), "电话");
  EXPECT_EQ(std::get<0>(p[1]), 3);
  EXPECT_EQ(std::get<1>(p[1]), "签约日");
  EXPECT_NE(std::get<2>(p[1]).find("signed"), std::string::npos);
  EXPECT_EQ(std::get<0>(p[2]), 4);
  EXPECT_EQ(std::get<1>(p[2]), "预算");
  EXPECT_EQ(std::get<0>(p[3]), 5);
  EXPECT_EQ(std::get<1>(p[3]), "名称");
  EXPECT_EQ(rep.problems.column(2).texts[2], "1,2,3元");
  auto c = o.crm.customers().get(o.crm.customers().find({}).column(0).ints[0]);
  EXPECT_DOUBLE_EQ(c.fields.at("budget").as<double>(), 12000.0);
  EXPECT_EQ(c.fields.at("signed").as<Date>().ms, parse_timestamp("2026-01-05", "t").ms);
}

TEST(Imports, AllOrNothingWritesNothingWhenTheLastRowIsBad) {
  Org o;
  std::vector<std::vector<std::string>> data;
  for (int i = 0; i < 5000; ++i) data.push_back({"公司" + std::to_string(i), "1380000" + std::to_string(1000 + i)});
  data.push_back({"最后一行", "not a phone"});
  auto src = rows({"name", "phone"}, std::move(data));
  const auto events_before = o.crm.events().latest();
  ImportOptions opt;
  opt.all_or_nothing = true;
  auto rep = o.crm.imports().customers(src, opt);
  EXPECT_FALSE(rep.committed);
  EXPECT_EQ(rep.created, 0);
  ASSERT_EQ(rep.problems.rows(), 1u);
  EXPECT_EQ(rep.problems.column(0).ints[0], 5001);
  EXPECT_EQ(o.count("customers"), 0);
  EXPECT_EQ(o.count("customer_keys"), 0);
  EXPECT_EQ(o.crm.events().latest(), events_before);
}

TEST(Imports, DryRunReportsEverythingAndWritesNothing) {
  Org o;
  o.customer("已有客户有限公司", "13800138000");
  auto src = rows({"name", "phone"}, {{"新客户", "13900139000"}, {"已有客户", "138 0013 8000"}, {"坏", "1"}});
  ImportOptions opt;
  opt.dry_run = true;
  const auto events_before = o.crm.events().latest();
  auto rep = o.crm.imports().customers(src, opt);
  EXPECT_TRUE(rep.dry_run);
  EXPECT_FALSE(rep.committed);
  EXPECT_EQ(rep.created, 1);
  EXPECT_EQ(rep.skipped, 1);
  EXPECT_EQ(rep.failed, 1);
  EXPECT_EQ(rep.matches.rows(), 1u);
  EXPECT_EQ(o.count("customers"), 1);
  EXPECT_EQ(o.crm.events().latest(), events_before);
}

TEST(Imports, ReRunningAFileCreatesNoDuplicatesAndUpdateAppliesTheNews) {
  Org o;
  auto data = std::vector<std::vector<std::string>>{
      {"甲科技有限公司", "13800138000", "", "company"},
      {"乙", "", "yi@example.cn", "person"},
      {"丙先生", "", "", "person"},
      {"丁制造股份有限公司", "", "", "company"}};
  auto first = rows({"name", "phone", "email", "kind"}, data);
  auto rep1 = o.crm.imports().customers(first, {});
  EXPECT_EQ(rep1.created, 4);
  auto again = rows({"name", "phone", "email", "kind"}, data);
  auto rep2 = o.crm.imports().customers(again, {});
  EXPECT_EQ(rep2.created, 0);
  EXPECT_EQ(rep2.skipped, 4);
  EXPECT_EQ(o.count("customers"), 4);
  ASSERT_EQ(rep2.matches.rows(), 4u);
  EXPECT_EQ(rep2.matches.column(4).texts[0], "phone");
  EXPECT_EQ(rep2.matches.column(4).texts[1], "email");
  EXPECT_EQ(rep2.matches.column(4).texts[2], "person");
  EXPECT_EQ(rep2.matches.column(4).texts[3], "name");
  EXPECT_EQ(rep2.matches.column(5).texts[0], "skip");
  // on_match="update": the matched customer takes the row's other values.
  auto news = rows({"name", "phone", "industry"}, {{"甲科技", "+86 138 0013 8000", "软件"}});
  ImportOptions upd;
  upd.on_match = OnMatch::Update;
  auto rep3 = o.crm.imports().customers(news, upd);
  EXPECT_EQ(rep3.updated, 1);
  auto id = rep3.matches.column(1).ints[0];
  EXPECT_EQ(o.crm.customers().get(id).industry, "软件");
  EXPECT_EQ(o.crm.customers().get(id).name, "甲科技有限公司");
  // on_match="create": a duplicate on purpose, reported as a match all the same.
  auto dup = rows({"name", "phone"}, {{"甲科技", "13800138000"}});
  ImportOptions create;
  create.on_match = OnMatch::Create;
  auto rep4 = o.crm.imports().customers(dup, create);
  EXPECT_EQ(rep4.created, 1);
  EXPECT_EQ(rep4.matches.column(5).texts[0], "create");
}

TEST(Imports, DuplicatesWithinTheFileAreMatchedToTheirFirstRow) {
  Org o;
  auto src = rows({"name", "phone"}, {{"ABC科技有限公司", "021-5555 0000"},
                                      {"ＡＢＣ 科技", ""},
                                      {"另一家", "(021) 5555 0000"},
                                      {"ABD科技有限公司", ""}});
  auto rep = o.crm.imports().customers(src, {});
  EXPECT_EQ(rep.created, 2);  // ABC and ABD (a one-letter difference in a three-letter key is another company)
  EXPECT_EQ(rep.skipped, 2);
  ASSERT_EQ(rep.matches.rows(), 2u);
  EXPECT_EQ(rep.matches.column(0).ints[0], 2);
  EXPECT_EQ(rep.matches.column(4).texts[0], "name");
  EXPECT_EQ(rep.matches.column(4).texts[1], "phone");
  EXPECT_EQ(rep.matches.column(1).ints[0], rep.matches.column(1).ints[1]);
}

TEST(Imports, ProgressIsReportedAtLeastEveryPercent) {
  Org o;
  std::vector<std::vector<std::string>> data;
  for (int i = 0; i < 1000; ++i) data.push_back({"客户" + std::to_string(i)});
  auto src = rows({"name"}, std::move(data));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  ImportOptions opt;
  opt.on_progress = [&](std::uint64_t d, std::uint64_t t) { calls.emplace_back(d, t); };
  o.crm.imports().customers(src, opt);
  ASSERT_GE(calls.size(), 100u);
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i].first - calls[i - 1].first, 10u);
  EXPECT_EQ(calls.back(), (std::pair<std::uint64_t, std::uint64_t>{1000, 1000}));
}

TEST(Imports, ContactsOrdersInteractionsAndLeads) {
  Org o;
  auto c = o.customer("上海某某科技有限公司", "021-5555 0000");
  auto contacts = rows({"客户", "姓名", "手机"}, {{"上海某某科技", "李雷", "138 0013 8000"},
                                                  {"(021) 5555 0000", "韩梅梅", "13900139000"},
                                                  {"没有这家", "某人", ""}});
  auto cm = mapped({{"客户", "customer"}, {"姓名", "name"}, {"手机", "phone"}});
  auto rep = o.crm.imports().contacts(contacts, cm);
  EXPECT_EQ(rep.created, 2);
  ASSERT_EQ(rep.problems.rows(), 1u);
  EXPECT_EQ(rep.problems.column(1).texts[0], "客户");
  auto again = rows({"客户", "姓名", "手机"}, {{"上海某某科技", "李雷", "13800138000"}});
  EXPECT_EQ(o.crm.imports().contacts(again, cm).skipped, 1);
  EXPECT_EQ(o.crm.contacts().list(c.id).rows(), 2u);

  auto orders = rows({"客户", "金额", "日期"}, {{std::to_string(c.id), "¥12,800.50", "2025/12/5"}, {std::to_string(c.id), "1,2,3元", "2025/12/6"}});
  auto om = mapped({{"客户", "customer"}, {"金额", "amount"}, {"日期", "at"}});
  auto orep = o.crm.imports().orders(orders, om);
  EXPECT_EQ(orep.created, 1);
  EXPECT_EQ(orep.failed, 1);
  auto orders2 = rows({"客户", "金额", "日期"}, {{std::to_string(c.id), "12800.5", "2025-12-05"}});
  EXPECT_EQ(o.crm.imports().orders(orders2, om).skipped, 1);
  EXPECT_DOUBLE_EQ(o.crm.customers().get(c.id).facts.lifetime_value, 12800.5);

  auto inter = rows({"customer", "kind", "summary", "at", "by"},
                    {{"13800138000", "call", "确认需求", "2025-12-06", "alice"}});
  auto irep = o.crm.imports().interactions(inter, {});
  EXPECT_EQ(irep.created, 1) << (irep.problems.rows() ? irep.problems.column(3).texts[0] : "");
  EXPECT_EQ(o.crm.customers().get(c.id).facts.interaction_count, 1);

  auto leads = rows({"name", "phone", "company"}, {{"王先生", "13700137000", "某某制造"}, {"王先生", "137 0013 7000", ""}});
  auto lrep = o.crm.imports().leads(leads, {});
  EXPECT_EQ(lrep.created, 1);
  EXPECT_EQ(lrep.skipped, 1);
}

// ---- duplicates and merge ---------------------------------------------------------------------

TEST(Duplicates, PairsByPhoneEmailAndSimilarNamesFromAnIndex) {
  Org o;
  auto a = o.customer("上海某某信息技术有限公司", "021-5555 0000");
  auto b = o.customer("上海某某信息技朮", "+86 21 5555 0000");
  auto c = o.customer("杭州甲乙丙丁贸易有限公司", std::nullopt, "sales@jybd.cn");
  auto d = o.customer("杭州甲乙丙丁贸易", std::nullopt, "Sales@JYBD.cn");
  auto e = o.customer("深圳卫星导航股份有限公司");
  auto f = o.customer("深圳卫星导航集团");
  o.customer("完全无关的公司");
  auto scan = customers::Duplicates(o.crm.context()).scan(0.8);
  const auto& t = scan.pairs;
  ASSERT_EQ(t.rows(), 3u);
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> rule;
  for (std::size_t i = 0; i < t.rows(); ++i) rule[{t.column(0).ints[i], t.column(1).ints[i]}] = t.column(3).texts[i];
  EXPECT_EQ(rule[(std::pair{a.id, b.id})], "phone");
  EXPECT_EQ(rule[(std::pair{c.id, d.id})], "email");
  EXPECT_EQ(rule[(std::pair{e.id, f.id})], "name");
  EXPECT_GT(scan.candidates, 0u);
  EXPECT_LT(scan.candidates, 21u);  // fewer than all 21 pairs of 7 customers
  EXPECT_THROW(customers::Duplicates(o.crm.context()).scan(0), ValidationError);
  // A scoped view pairs only what it sees.
  auto bob_only = o.customer("鲍勃的客户", "13600136000", std::nullopt, o.bob.id);
  auto bob_dup = o.customer("鲍勃的客户二", "136 0013 6000", std::nullopt, o.bob.id);
  auto bob = o.crm.as_user(o.bob.id);
  auto mine = customers::Duplicates(bob.context()).scan(0.8).pairs;
  ASSERT_EQ(mine.rows(), 1u);
  EXPECT_EQ(mine.column(0).ints[0], bob_only.id);
  EXPECT_EQ(mine.column(1).ints[0], bob_dup.id);
}

TEST(Duplicates, TheNameIndexFindsEveryPairWithinTheThresholdThatShareAGram) {
  // Against a brute-force scan of all pairs: the prefix filter loses nothing.
  std::vector<std::string> names = {"abcdefgh", "abcdefgx", "abcdxfgh", "xbcdefgh", "abcdef", "bcdefgh",
                                    "某某制造", "某某制选", "甲乙丙丁", "甲乙丙丁戊", "完全不同", "abcdefghij"};
  customers::NameIndex index(0.75);
  for (std::size_t i = 0; i < names.size(); ++i) index.add(static_cast<std::int64_t>(i + 1), names[i]);
  index.seal();
  std::set<std::pair<std::int64_t, std::int64_t>> found, expected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto id = static_cast<std::int64_t>(i + 1);
    for (auto [other, score] : index.similar(names[i], id, id)) found.insert({other, id});
    for (std::size_t j = 0; j < i; ++j)
      if (io::name_similarity(names[i], names[j]) >= 0.75) expected.insert({static_cast<std::int64_t>(j + 1), id});
  }
  EXPECT_EQ(found, expected);
  EXPECT_FALSE(expected.empty());
}

TEST(Merge, MovesEverythingRecordsItAndRecomputesTheFacts) {
  Org o;
  auto keep = o.customer("甲科技有限公司", "13800138000", std::nullopt, o.alice.id);
  auto drop = o.customer("甲科技", std::nullopt, "jia@example.cn", o.alice.id);
  o.crm.customers().tag(drop.id, "VIP");
  customers::ContactInput ci;
  ci.attrs["name"] = std::string("李雷");
  ci.attrs["phone"] = std::string("13900139000");
  o.crm.contacts().add(drop.id, ci);
  relationship::OrderInput oi;
  oi.customer_id = drop.id;
  oi.amount = 500.0;
  o.crm.orders().add(oi);
  relationship::InteractionInput ii;
  ii.customer_id = drop.id;
  ii.kind = "call";
  ii.summary = "回访";
  o.crm.interactions().log(ii);
  auto g = o.crm.groups().add("展会名单");
  o.crm.groups().add_members("展会名单", {drop.id, keep.id});
  pipeline::OpportunityInput opp;
  opp.attrs["customer"] = drop.id;
  opp.attrs["title"] = std::string("ERP");
  opp.attrs["amount"] = 1000.0;
  auto op = o.crm.opportunities().add(opp);
  const auto events_before = o.crm.events().latest();

  auto kept = imports::merge_customers(o.crm.context(), keep.id, drop.id);
  EXPECT_EQ(kept.tags, std::vector<std::string>{"VIP"});
  EXPECT_EQ(kept.email, "jia@example.cn");  // the kept customer had none
  EXPECT_EQ(kept.facts.order_count, 1);
  EXPECT_DOUBLE_EQ(kept.facts.lifetime_value, 500.0);
  EXPECT_EQ(kept.facts.interaction_count, 1);
  EXPECT_EQ(o.crm.contacts().list(keep.id).rows(), 1u);
  EXPECT_EQ(o.crm.opportunities().get(op.id).customer_id, keep.id);
  EXPECT_EQ(o.crm.groups().members("展会名单").rows(), 1u);
  EXPECT_THROW(o.crm.customers().get(drop.id), NotFound);
  customers::CustomerKeys keys(o.crm.context());
  EXPECT_EQ(keys.customers_with("phone", "+8613900139000"), std::vector<std::int64_t>{keep.id});
  // Both histories record the merge; the change feed has it.
  auto h = o.crm.history("customer", keep.id);
  bool merged = false;
  for (std::size_t i = 0; i < h.rows(); ++i) merged = merged || h.column(4).texts[i] == "merged";
  EXPECT_TRUE(merged);
  auto hd = o.crm.customers().history(drop.id);
  EXPECT_EQ(hd.column(4).texts.back(), "merged_into");
  auto ev = o.crm.events().since(events_before, 100);
  EXPECT_GT(ev.rows(), 3u);
  EXPECT_TRUE(o.crm.facts().mismatches().empty());
  (void)g;
}

TEST(Merge, RefusedAcrossScopesForLockedCustomersAndForItself) {
  Org o;
  auto mine = o.customer("甲", std::nullopt, std::nullopt, o.alice.id);
  auto theirs = o.customer("甲二", std::nullopt, std::nullopt, o.bob.id);
  auto alice = o.crm.as_user(o.alice.id);
  EXPECT_THROW(imports::merge_customers(alice.context(), mine.id, theirs.id), PermissionDenied);
  EXPECT_THROW(imports::merge_customers(o.crm.context(), mine.id, mine.id), ValidationError);
  EXPECT_THROW(imports::merge_customers(o.crm.context(), mine.id, 999), NotFound);
  {
    db::Transaction tx(o.crm.database());
    customers::set_approval_lock(o.crm.context(), theirs.id, 1, std::string("manager"));
    tx.commit();
  }
  EXPECT_THROW(imports::merge_customers(o.crm.context(), mine.id, theirs.id), Conflict);
  EXPECT_EQ(o.count("customers"), 2);
}
