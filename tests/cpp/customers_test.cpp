// Customers through the C++ API alone: the engine is complete without Python.
#include <gtest/gtest.h>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

using namespace crmkit;
using customers::CustomerInput;

namespace {

struct Org {
  Crm crm = Crm::open(":memory:");
  org::Team east, west;
  org::User boss, alice, bob;
  Org() {
    east = crm.teams().add("华东销售部");
    west = crm.teams().add("西部");
    boss = crm.users().add({"zhang", "张总", "manager", east.id, std::nullopt, std::nullopt});
    alice = crm.users().add({"alice", "Alice", "sales", east.id, boss.id, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", west.id, std::nullopt, std::nullopt});
  }
  customers::Customer add(const std::string& name, std::optional<std::int64_t> owner) {
    CustomerInput in;
    in.attrs["name"] = name;
    if (owner) in.attrs["owner"] = *owner;
    return crm.customers().add(in);
  }
};

}  // namespace

TEST(Customers, AddGetUpdateWithVersions) {
  Org o;
  auto c = o.add("上海某某科技有限公司", o.alice.id);
  EXPECT_EQ(c.stage, "prospect");
  CustomerInput change;
  change.attrs["industry"] = "软件";
  auto c2 = o.crm.customers().update(c.id, change, c.version);
  EXPECT_EQ(c2.version, 2);
  EXPECT_EQ(o.crm.customers().get(c.id).industry, "软件");
  change.attrs["industry"] = "制造";
  EXPECT_THROW(o.crm.customers().update(c.id, change, c.version), Conflict);
  EXPECT_EQ(o.crm.customers().get(c.id).industry, "软件");
}

TEST(Customers, AddManyIsAllOrNothingAndNamesTheRow) {
  Org o;
  std::vector<CustomerInput> rows(500);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].attrs["name"] = "客户" + std::to_string(i);
  rows[321].attrs["name"] = "   ";
  try {
    o.crm.customers().add_many(rows);
    FAIL() << "expected ValidationError";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.row(), 321);
    EXPECT_EQ(e.field(), "name");
  }
  EXPECT_EQ(o.crm.customers().count({}), 0);
  rows[321].attrs["name"] = "好";
  EXPECT_EQ(o.crm.customers().add_many(rows).size(), 500u);
}

TEST(Customers, ScopedViewsReadAndWriteOnlyTheirScope) {
  Org o;
  auto mine = o.add("mine", o.alice.id);
  auto theirs = o.add("theirs", o.bob.id);
  auto pooled = o.add("pooled", std::nullopt);
  Crm alice = o.crm.as_user(o.alice.id);
  EXPECT_EQ(alice.customers().count({}), 1);
  EXPECT_NO_THROW(alice.customers().get(mine.id));
  EXPECT_THROW(alice.customers().get(theirs.id), PermissionDenied);
  EXPECT_THROW(alice.customers().get(pooled.id), PermissionDenied);
  CustomerInput rename;
  rename.attrs["name"] = "renamed";
  EXPECT_THROW(alice.customers().update(theirs.id, rename), PermissionDenied);
  EXPECT_EQ(o.crm.customers().get(theirs.id).name, "theirs");
  // A manager with team scope sees the team's customers, not another team's.
  Crm boss = o.crm.as_user(o.boss.id);
  EXPECT_EQ(boss.customers().count({}), 1);
  // A rep's new customer is the rep's own, and a rep may not create one for someone else.
  CustomerInput fresh;
  fresh.attrs["name"] = "new";
  EXPECT_EQ(alice.customers().add(fresh).owner_id, o.alice.id);
  fresh.attrs["owner"] = o.bob.id;
  EXPECT_THROW(alice.customers().add(fresh), PermissionDenied);
}

TEST(Customers, HistoryRecordsEveryChangeWithItsActor) {
  Org o;
  auto c = o.add("hist", o.alice.id);
  Crm alice = o.crm.as_user(o.alice.id);
  alice.customers().tag(c.id, "重点");
  alice.customers().set_stage(c.id, "active");
  Table h = alice.customers().history(c.id);
  ASSERT_EQ(h.rows(), 3u);
  EXPECT_EQ(h.column("field").texts[0], "created");
  EXPECT_EQ(h.column("field").texts[1], "tags");
  EXPECT_EQ(h.column("new").texts[1], "重点");
  EXPECT_EQ(h.column("field").texts[2], "stage");
  EXPECT_EQ(h.column("old").texts[2], "prospect");
  EXPECT_EQ(h.column("actor").texts[2], "alice");
}

TEST(Customers, CustomFieldsAreValidated) {
  Org o;
  schema::FieldDef region;
  region.entity = "customer";
  region.name = "region";
  region.type = schema::FieldType::Enum;
  region.options = {"华东", "华南"};
  o.crm.fields().add(region);
  CustomerInput in;
  in.attrs["name"] = "x";
  in.fields["region"] = "火星";
  try {
    o.crm.customers().add(in);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "region");
  }
  in.fields["region"] = "华南";
  EXPECT_EQ(o.crm.customers().add(in).fields.at("region"), Value{"华南"});
}

TEST(Customers, BulkAndSingleInsertsStoreTheSameFieldsJson) {
  Org o;
  auto def = [&](const char* name, schema::FieldType type) {
    schema::FieldDef d;
    d.entity = "customer";
    d.name = name;
    d.type = type;
    if (type == schema::FieldType::Enum) d.options = {"华东", "a\"b"};
    o.crm.fields().add(d);
  };
  def("note", schema::FieldType::Text);
  def("region", schema::FieldType::Enum);
  def("employees", schema::FieldType::Integer);
  def("vip", schema::FieldType::Bool);
  def("since", schema::FieldType::Date);
  def("score", schema::FieldType::Number);
  std::vector<CustomerInput> rows(4);
  const std::vector<std::string> notes = {"引号\"反斜杠\\换行\n制表\t", std::string("控制\x01\x1f字符 😀"), "plain", "x"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].attrs["name"] = "客户" + std::to_string(i);
    rows[i].fields["note"] = notes[i];
    rows[i].fields["region"] = std::string(i % 2 ? "a\"b" : "华东");
    rows[i].fields["employees"] = static_cast<std::int64_t>(-5 + static_cast<std::int64_t>(i) * 1000000007);
    rows[i].fields["vip"] = i % 2 == 0;
    rows[i].fields["since"] = Date{86400000LL * static_cast<std::int64_t>(i + 1)};
    if (i == 3) rows[i].fields["score"] = 0.1;  // a number takes the general path
  }
  auto bulk = o.crm.customers().add_many(rows);
  std::vector<std::int64_t> single;
  for (const auto& r : rows) single.push_back(o.crm.customers().add(r).id);
  auto stored = [&](std::int64_t id) {
    auto q = o.crm.database().prepare("SELECT fields FROM customers WHERE id = ?");
    q.bind(1, id);
    EXPECT_TRUE(q.step());
    return q.get_text(0);
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(stored(bulk[i]), stored(single[i])) << i;
    EXPECT_EQ(o.crm.customers().get(bulk[i]).fields, o.crm.customers().get(single[i]).fields) << i;
  }
}
