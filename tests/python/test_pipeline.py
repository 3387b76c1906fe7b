"""Leads, conversion, opportunities, the stage history and documents."""

import datetime as dt

import pytest

import crmkit


@pytest.fixture
def frozen(org):
    org.crm.clock.freeze("2026-01-01T09:00")
    return org


def test_lead_lifecycle_and_listing(frozen):
    crm, alice = frozen.crm, frozen.alice
    lead = crm.leads.add(name="王先生", company="某某制造", phone="13900000000", source="官网")
    assert (lead.status, lead.owner_id) == ("new", None)
    q = crm.leads.qualify(lead.id, by=alice)
    assert (q.status, q.owner_id) == ("qualified", alice.id)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.leads.disqualify(lead.id, reason="  ")
    assert e.value.field == "reason"
    d = crm.leads.disqualify(lead.id, reason="无预算")
    assert (d.status, d.reason) == ("disqualified", "无预算")
    crm.leads.add(name="李", source="展会")
    assert len(crm.leads.find(status="disqualified", source="官网")) == 1
    assert len(crm.leads.find(source="展会")) == 1
    assert crm.leads.get(lead).to_dict()["reason"] == "无预算"


def test_convert_matches_existing_customers(frozen):
    crm, alice, bob = frozen.crm, frozen.alice, frozen.bob
    existing = crm.customers.add(name="上海某某科技有限公司", owner=bob, phone="+86 139-0000-0000")
    lead = crm.leads.add(name="王先生", company="别名公司", phone="0086 13900000000", source="官网")
    res = crm.leads.convert(lead.id, by=alice, opportunity={"title": "MES项目", "amount": 800000})
    assert res.matched_existing and res.matched_on == "phone"
    assert res.customer.id == existing.id
    assert res.opportunity.title == "MES项目" and res.opportunity.amount == 800000.0
    assert res.opportunity.owner_id == alice.id
    assert res.contact.customer_id == existing.id
    assert crm.leads.get(lead).status == "converted"
    with pytest.raises(crmkit.Conflict):
        crm.leads.convert(lead.id, by=alice)
    by_name = crm.leads.convert(crm.leads.add(name="李", company=" 上海某某科技有限公司 ").id, by=alice)
    assert (by_name.matched_on, by_name.customer.id) == ("name", existing.id)
    mail = crm.customers.add(name="ＡＢＣ 科技", owner=alice, email="Info@Example.cn")
    by_mail = crm.leads.convert(crm.leads.add(name="赵", email="info@example.CN").id, by=alice)
    assert (by_mail.matched_on, by_mail.customer.id) == ("email", mail.id)
    fresh = crm.leads.convert(crm.leads.add(name="孙", company="全新公司").id, by=alice)
    assert not fresh.matched_existing and fresh.matched_on is None
    assert fresh.customer.name == "全新公司" and fresh.customer.owner_id == alice.id


def test_failed_convert_changes_nothing(frozen):
    crm = frozen.crm
    lead = crm.leads.add(name="周", company="新公司甲")
    before = crm.customers.count()
    with pytest.raises(crmkit.ValidationError):
        crm.leads.convert(lead.id, by=frozen.alice, opportunity={"amount": -1})
    assert crm.customers.count() == before
    assert crm.leads.get(lead).status == "new"


def test_opportunity_stages_and_history(frozen):
    crm, alice = frozen.crm, frozen.alice
    c = crm.customers.add(name="客户", owner=alice)
    opp = crm.opportunities.add(customer=c, title="ERP项目", amount=1200000, owner=alice, close_date="2026-06-30")
    assert (opp.stage, opp.probability, opp.close_date) == ("初步接洽", 0.1, dt.date(2026, 6, 30))
    crm.clock.advance(days=3)
    a = crm.opportunities.advance(opp.id, "方案报价", by=alice)
    assert (a.stage, a.probability) == ("方案报价", 0.5)
    u = crm.opportunities.update(opp.id, expected_version=a.version, amount=1500000, probability=0.6)
    assert (u.amount, u.probability, u.probability_override) == (1500000.0, 0.6, 0.6)
    with pytest.raises(crmkit.Conflict):
        crm.opportunities.update(opp.id, expected_version=a.version, amount=1)
    w = crm.opportunities.win(opp.id, by=alice)
    assert (w.status, w.stage) == ("won", "赢单") and w.closed_at is not None
    r = crm.opportunities.reopen(opp.id)
    assert (r.status, r.stage) == ("open", "方案报价")
    lost = crm.opportunities.lose(opp.id, reason="价格", by=alice)
    assert (lost.status, lost.stage, lost.lost_reason) == ("lost", "输单", "价格")
    h = crm.opportunities.stage_history(opp)
    assert list(h.column("to_stage")) == ["初步接洽", "方案报价", "赢单", "方案报价", "输单"]
    rows = h.rows()
    assert rows[1]["actor_id"] == alice.id
    assert rows[1]["at"] - rows[0]["at"] == dt.timedelta(days=3)
    assert len(crm.opportunities.find(owner=alice, stage="输单")) == 1
    assert len(crm.opportunities.find(where="amount >= 1000000")) == 1


def test_opportunity_scope(frozen):
    crm = frozen.crm
    mine = crm.opportunities.add(customer=crm.customers.add(name="a", owner=frozen.alice), title="t", owner=frozen.alice)
    theirs = crm.opportunities.add(customer=crm.customers.add(name="b", owner=frozen.bob), title="t", owner=frozen.bob)
    me = crm.as_user(frozen.alice)
    assert [r.id for r in me.opportunities.find()] == [mine.id]
    with pytest.raises(crmkit.PermissionDenied):
        me.opportunities.advance(theirs)
    with pytest.raises(crmkit.PermissionDenied):
        me.opportunities.advance(mine, by=frozen.bob)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.opportunities.add(customer=mine.customer_id, title="x", stage="不存在")
    assert e.value.field == "stage"


def test_documents(frozen):
    crm = frozen.crm
    c = crm.customers.add(name="客户", owner=frozen.alice)
    opp = crm.opportunities.add(customer=c, title="t", owner=frozen.alice)
    q = crm.documents.add(opp, "quote", title="报价单", amount=99.5, discount=0.1)
    assert (q.kind, q.amount, q.discount) == ("quote", 99.5, 0.1)
    assert len(crm.documents.list(opp)) == 1
    with pytest.raises(crmkit.ValidationError):
        crm.documents.add(opp, "invoice", title="x")
    crm.documents.define_kind("invoice")
    assert "invoice" in crm.documents.kinds()
