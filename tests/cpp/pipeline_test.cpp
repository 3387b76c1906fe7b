// Leads, conversion, opportunities and the stage history through the C++ API alone.
#include <gtest/gtest.h>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"

using namespace crmkit;
using pipeline::LeadInput;
using pipeline::OpportunityInput;

namespace {

struct Org {
  Crm crm = Crm::open(":memory:");
  org::Team east;
  org::User boss, alice, bob;
  Org() {
    crm.clock().freeze(parse_timestamp("2026-01-01T09:00", "t").ms);
    east = crm.teams().add("华东销售部");
    boss = crm.users().add({"zhang", "张总", "manager", east.id, std::nullopt, std::nullopt});
    alice = crm.users().add({"alice", "Alice", "sales", east.id, boss.id, std::nullopt});
    bob = crm.users().add({"bob", "Bob", "sales", east.id, boss.id, std::nullopt});
  }
  customers::Customer customer(const std::string& name, std::optional<std::int64_t> owner,
                               std::optional<std::string> phone = std::nullopt,
                               std::optional<std::string> email = std::nullopt) {
    customers::CustomerInput in;
    in.attrs["name"] = name;
    if (owner) in.attrs["owner"] = *owner;
    if (phone) in.attrs["phone"] = *phone;
    if (email) in.attrs["email"] = *email;
    return crm.customers().add(in);
  }
  pipeline::Opportunity opp(std::int64_t customer, double amount, std::int64_t owner) {
    OpportunityInput in;
    in.attrs["customer"] = customer;
    in.attrs["title"] = "ERP项目";
    in.attrs["amount"] = amount;
    in.attrs["owner"] = owner;
    return crm.opportunities().add(in);
  }
};

LeadInput lead(const std::string& name, std::optional<std::string> company, std::optional<std::string> phone,
               std::optional<std::string> email = std::nullopt) {
  LeadInput in;
  in.attrs["name"] = name;
  if (company) in.attrs["company"] = *company;
  if (phone) in.attrs["phone"] = *phone;
  if (email) in.attrs["email"] = *email;
  in.attrs["source"] = "官网";
  return in;
}

}  // namespace

TEST(Leads, NormalisedPhones) {
  // E.164 whatever the typing: a country prefix, a trunk 0, full-width digits and U+3000 spaces.
  EXPECT_EQ(pipeline::normalize_phone("+86 139-0000-0000"), "+8613900000000");
  EXPECT_EQ(pipeline::normalize_phone("0086 13900000000"), "+8613900000000");
  EXPECT_EQ(pipeline::normalize_phone("１３９　００００　００００"), "+8613900000000");
  EXPECT_EQ(pipeline::normalize_phone("(021) 5555 0000"), "+862155550000");
  EXPECT_EQ(pipeline::normalize_phone("+86 21 5555 0000"), "+862155550000");
  EXPECT_EQ(pipeline::normalize_phone("12345"), "");
}

TEST(Leads, QualifyDisqualifyAssignFind) {
  Org o;
  auto l = o.crm.leads().add(lead("王先生", "某某制造", "13900000000"));
  EXPECT_EQ(l.status, "new");
  auto q = o.crm.leads().qualify(l.id, o.alice.id);
  EXPECT_EQ(q.status, "qualified");
  EXPECT_EQ(q.owner_id, o.alice.id);
  EXPECT_THROW(o.crm.leads().disqualify(l.id, "  "), ValidationError);
  auto d = o.crm.leads().disqualify(l.id, "无预算");
  EXPECT_EQ(d.status, "disqualified");
  EXPECT_EQ(d.reason, "无预算");
  auto a = o.crm.leads().assign(l.id, o.bob.id);
  EXPECT_EQ(a.owner_id, o.bob.id);
  pipeline::LeadQuery query;
  query.status = "disqualified";
  query.source = "官网";
  EXPECT_EQ(o.crm.leads().find(query).rows(), 1u);
  query.status = "new";
  EXPECT_EQ(o.crm.leads().find(query).rows(), 0u);
  // Alice (own scope) no longer sees bob's lead.
  EXPECT_THROW(o.crm.as_user(o.alice.id).leads().get(l.id), PermissionDenied);
}

TEST(Leads, ConvertMatchesAnExistingCustomerByPhoneEmailOrName) {
  Org o;
  auto existing = o.customer("上海某某科技有限公司", o.alice.id, "+86 139 0000 0000");
  auto res = o.crm.leads().convert(o.crm.leads().add(lead("王先生", "别的公司", "0086-13900000000")).id,
                                   {o.alice.id, {}, true});
  EXPECT_TRUE(res.matched_existing);
  EXPECT_EQ(res.matched_on, "phone");
  EXPECT_EQ(res.customer.id, existing.id);
  ASSERT_TRUE(res.opportunity);
  EXPECT_EQ(res.opportunity->customer_id, existing.id);
  EXPECT_EQ(res.lead.status, "converted");
  EXPECT_EQ(res.lead.opportunity_id, res.opportunity->id);
  ASSERT_TRUE(res.contact);
  EXPECT_EQ(res.contact->customer_id, existing.id);

  auto byname = o.crm.leads().convert(o.crm.leads().add(lead("李", "  上海某某科技有限公司 ", std::nullopt)).id, {});
  EXPECT_EQ(byname.matched_on, "name");
  EXPECT_EQ(byname.customer.id, existing.id);

  auto mail = o.customer("ＡＢＣ 科技", o.bob.id, std::nullopt, "Info@Example.cn");
  auto bymail = o.crm.leads().convert(o.crm.leads().add(lead("赵", std::nullopt, std::nullopt, "info@example.CN")).id, {});
  EXPECT_EQ(bymail.matched_on, "email");
  EXPECT_EQ(bymail.customer.id, mail.id);

  // Full-width company names fold to the same key.
  auto folded = o.crm.leads().convert(o.crm.leads().add(lead("钱", "abc 科技", std::nullopt)).id, {});
  EXPECT_EQ(folded.customer.id, mail.id);

  auto fresh = o.crm.leads().convert(o.crm.leads().add(lead("孙", "全新公司", "13700000000")).id, {o.bob.id, {}, true});
  EXPECT_FALSE(fresh.matched_existing);
  EXPECT_EQ(fresh.customer.name, "全新公司");
  EXPECT_EQ(fresh.customer.owner_id, o.bob.id);
  EXPECT_EQ(fresh.opportunity->owner_id, o.bob.id);

  // Converting twice is a conflict and changes nothing.
  EXPECT_THROW(o.crm.leads().convert(fresh.lead.id, {}), Conflict);
}

TEST(Leads, ConvertIsAllOrNothing) {
  Org o;
  auto l = o.crm.leads().add(lead("周", "新公司甲", "13600000000"));
  pipeline::ConvertInput in;
  in.opportunity.attrs["amount"] = -5.0;
  EXPECT_THROW(o.crm.leads().convert(l.id, in), ValidationError);
  EXPECT_EQ(o.crm.customers().count({}), 0);
  EXPECT_EQ(o.crm.leads().get(l.id).status, "new");
}

TEST(Opportunities, StagesProbabilityAndHistory) {
  Org o;
  auto c = o.customer("客户", o.alice.id);
  auto opp = o.opp(c.id, 1200000, o.alice.id);
  EXPECT_EQ(opp.stage, "初步接洽");
  EXPECT_DOUBLE_EQ(opp.probability, 0.1);
  EXPECT_EQ(opp.amount_cents, 120000000);
  o.crm.clock().advance(3 * kMillisPerDay);
  auto a = o.crm.opportunities().advance(opp.id, std::nullopt, o.alice.id);
  EXPECT_EQ(a.stage, "需求确认");
  EXPECT_DOUBLE_EQ(a.probability, 0.3);
  OpportunityInput change;
  change.attrs["probability"] = 0.45;
  change.attrs["amount"] = 1500000.5;
  auto u = o.crm.opportunities().update(opp.id, change, a.version);
  EXPECT_DOUBLE_EQ(u.probability, 0.45);
  EXPECT_DOUBLE_EQ(u.amount, 1500000.5);
  EXPECT_THROW(o.crm.opportunities().update(opp.id, change, a.version), Conflict);
  auto w = o.crm.opportunities().win(opp.id, o.alice.id);
  EXPECT_EQ(w.status, "won");
  EXPECT_EQ(w.stage, "赢单");
  EXPECT_TRUE(w.closed_at);
  EXPECT_THROW(o.crm.opportunities().advance(opp.id), Conflict);
  auto r = o.crm.opportunities().reopen(opp.id);
  EXPECT_EQ(r.status, "open");
  EXPECT_EQ(r.stage, "需求确认");
  auto l = o.crm.opportunities().lose(opp.id, "价格", o.alice.id);
  EXPECT_EQ(l.status, "lost");
  EXPECT_EQ(l.stage, "输单");
  EXPECT_EQ(l.lost_reason, "价格");
  auto h = o.crm.opportunities().stage_history(opp.id);
  ASSERT_EQ(h.rows(), 5u);
  EXPECT_TRUE(h.column("from_stage").at(0).is_null());
  EXPECT_EQ(h.column("to_stage").at(1).as<std::string>(), "需求确认");
  EXPECT_EQ(h.column("actor_id").at(1).as<std::int64_t>(), o.alice.id);
  EXPECT_EQ(h.column("at").at(1).as<Timestamp>().ms - h.column("at").at(0).as<Timestamp>().ms, 3 * kMillisPerDay);
}

TEST(Opportunities, ScopeAndValidation) {
  Org o;
  auto c = o.customer("客户", o.alice.id);
  auto mine = o.opp(c.id, 100, o.alice.id);
  auto theirs = o.opp(o.customer("b", o.bob.id).id, 100, o.bob.id);
  Crm alice = o.crm.as_user(o.alice.id);
  EXPECT_NO_THROW(alice.opportunities().get(mine.id));
  EXPECT_THROW(alice.opportunities().get(theirs.id), PermissionDenied);
  EXPECT_THROW(alice.opportunities().advance(theirs.id), PermissionDenied);
  EXPECT_EQ(alice.opportunities().find({}).rows(), 1u);
  EXPECT_THROW(alice.opportunities().advance(mine.id, std::nullopt, o.bob.id), PermissionDenied);
  OpportunityInput bad;
  bad.attrs["customer"] = c.id;
  bad.attrs["title"] = "x";
  bad.attrs["stage"] = "不存在";
  try {
    o.crm.opportunities().add(bad);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "stage");
  }
  pipeline::OpportunityQuery q;
  q.where = "amount >= 100 and stage = \"初步接洽\"";
  EXPECT_EQ(o.crm.opportunities().find(q).rows(), 2u);
}

TEST(Opportunities, CustomFieldsAndDocuments) {
  Org o;
  schema::FieldDef def;
  def.entity = "opportunity";
  def.name = "discount";
  def.type = schema::FieldType::Number;
  def.min = 0;
  def.max = 1;
  o.crm.fields().add(def);
  auto c = o.customer("客户", o.alice.id);
  OpportunityInput in;
  in.attrs["customer"] = c.id;
  in.attrs["title"] = "t";
  in.fields["discount"] = 0.25;
  auto opp = o.crm.opportunities().add(in);
  EXPECT_EQ(opp.fields.at("discount").as<double>(), 0.25);
  pipeline::DocumentInput doc;
  doc.attrs["title"] = "报价单 v1";
  doc.attrs["amount"] = 99.5;
  doc.attrs["discount"] = 0.1;
  auto d = o.crm.documents().add(opp.id, "quote", doc);
  EXPECT_EQ(d.kind, "quote");
  EXPECT_EQ(o.crm.documents().list(opp.id).rows(), 1u);
  EXPECT_THROW(o.crm.documents().add(opp.id, "invoice", doc), ValidationError);
}
