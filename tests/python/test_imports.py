"""crm.imports, crm.customers.duplicates and crm.customers.merge through the Python API."""

import datetime

import phonenumbers
import pytest

import crmkit

from conftest import build_org


def test_a_mapping_to_an_unknown_field_is_refused_before_the_source_is_read(mem_crm):
    read = []

    def rows():
        read.append(1)
        yield {"客户名称": "甲公司"}

    with pytest.raises(crmkit.ValidationError, match="address") as e:
        mem_crm.imports.customers(rows(), mapping={"客户名称": "name", "地址": "address"})
    assert e.value.field == "address"
    assert read == []
    with pytest.raises(crmkit.ValidationError, match="on_match"):
        mem_crm.imports.customers([{"name": "x"}], on_match="merge")


def test_custom_fields_and_chinese_headers_are_targets(mem_crm):
    mem_crm.fields.add("customer", "region", type="enum", options=["华东", "华南"])
    rep = mem_crm.imports.customers(
        [{"客户名称": "上海某某科技有限公司", "手机": "１３９ ００００ ００００", "地区": "华东"}],
        mapping={"客户名称": "name", "手机": "phone", "地区": "region"})
    assert (rep.created, rep.failed, rep.committed) == (1, 0, True)
    c = mem_crm.customers.find().rows()[0]
    assert c["phone"] == "+8613900000000"
    assert c["region"] == "华东"
    assert "region" in mem_crm.imports.targets("customers")


def test_phones_agree_with_the_phonenumbers_library(mem_crm):
    typed = ["021-5555 0000", "(021) 5555 0000", "+86 21 5555 0000", "138 0013 8000", "0086 139 0013 9000"]
    rep = mem_crm.imports.customers([{"name": f"客户{i}", "phone": p, "kind": "person"} for i, p in enumerate(typed)])
    stored = [r["phone"] for r in mem_crm.customers.find().rows()]
    expected = []
    for p in typed:
        n = phonenumbers.parse(p, "CN")
        expected.append(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164))
    # The first three are one number: the second and third rows match the first.
    assert rep.created == 3
    assert stored == [expected[0], expected[3], expected[4]]
    assert [m["rule"] for m in rep.matches.rows()] == ["phone", "phone"]


def test_a_column_of_invalid_phones_dates_and_amounts_are_problems_naming_row_and_column(mem_crm):
    mem_crm.fields.add("customer", "signed", type="date")
    mem_crm.fields.add("customer", "budget", type="number")
    rows = [{"名称": "好", "电话": "13800138000", "签约": "2026年1月5日", "预算": "1.2万"},
            {"名称": "坏电话1", "电话": "12345", "签约": "", "预算": ""},
            {"名称": "坏电话2", "电话": "abc", "签约": "", "预算": ""},
            {"名称": "坏日期", "电话": "", "签约": "2026-02-30", "预算": ""},
            {"名称": "坏金额", "电话": "", "签约": "", "预算": "1,2,3元"}]
    rep = mem_crm.imports.customers(rows, mapping={"名称": "name", "电话": "phone", "签约": "signed", "预算": "budget"})
    problems = rep.problems.rows()
    assert [(p["row"], p["column"]) for p in problems] == [(2, "电话"), (3, "电话"), (4, "签约"), (5, "预算")]
    assert problems[2]["value"] == "2026-02-30"
    assert problems[3]["value"] == "1,2,3元"
    assert all(p["message"] for p in problems)
    assert rep.created == 1 and rep.failed == 4
    (c,) = mem_crm.customers.find().rows()
    assert c["budget"] == 12000.0
    assert c["signed"] == datetime.date(2026, 1, 5) or str(c["signed"]).startswith("2026-01-05")


def test_all_or_nothing_with_a_bad_last_row_writes_nothing(mem_crm):
    rows = [{"name": f"公司{i}", "phone": f"138{i:08d}"} for i in range(20000)]
    rows.append({"name": "最后", "phone": "bad"})
    before = mem_crm.events.since(0, limit=1000)
    rep = mem_crm.imports.customers(rows, all_or_nothing=True)
    assert rep.committed is False and rep.created == 0
    assert [p["row"] for p in rep.problems.rows()] == [20001]
    assert len(mem_crm.customers.find(limit=10)) == 0
    assert len(mem_crm.events.since(0, limit=1000)) == len(before)


def test_dry_run_reports_and_writes_nothing_and_a_rerun_creates_no_duplicates(mem_crm):
    rows = [{"name": "甲科技有限公司", "phone": "13800138000"},
            {"name": "ＡＢＣ 科技", "email": "Info@ABC.cn"},
            {"name": "ABC科技有限公司"}]
    dry = mem_crm.imports.customers(rows, dry_run=True)
    assert (dry.dry_run, dry.committed, dry.created, dry.skipped) == (True, False, 2, 1)
    assert len(mem_crm.customers.find()) == 0
    real = mem_crm.imports.customers(rows)
    assert (real.created, real.skipped) == (dry.created, dry.skipped)
    again = mem_crm.imports.customers(rows)
    assert (again.created, again.skipped) == (0, 3)
    assert len(mem_crm.customers.find()) == 2
    assert {m["action"] for m in again.matches.rows()} == {"skip"}


def test_on_progress_is_called_at_least_every_percent(mem_crm):
    calls = []
    mem_crm.imports.customers(({"name": f"客户{i}"} for i in range(500)), on_progress=lambda d, t: calls.append((d, t)))
    assert len(calls) >= 100
    assert calls[-1] == (500, 500)
    assert all(b[0] - a[0] <= 5 for a, b in zip(calls, calls[1:]))


def test_numeric_cells_that_are_phones_are_read_as_digits(mem_crm):
    rep = mem_crm.imports.customers([{"name": "数字电话", "phone": 13800138000.0, "kind": "person"}])
    assert rep.created == 1
    assert mem_crm.customers.find().rows()[0]["phone"] == "+8613800138000"


def test_file_sources(mem_crm, tmp_path):
    with pytest.raises(crmkit.NotFound, match="nope.csv"):
        mem_crm.imports.customers(str(tmp_path / "nope.csv"))
    other = tmp_path / "notes.docx"
    other.write_text("x")
    with pytest.raises(crmkit.ValidationError, match="not a CSV or XLSX"):
        mem_crm.imports.customers(str(other))
    with pytest.raises(crmkit.ValidationError, match="dict"):
        mem_crm.imports.customers([["a", "b"]])


def test_contacts_orders_interactions_and_leads(mem_crm):
    org = build_org(mem_crm)
    c = mem_crm.customers.add(name="上海某某科技有限公司", phone="021-5555 0000", owner=org.alice)
    rep = mem_crm.imports.contacts([{"客户": "上海某某科技", "姓名": "李雷", "手机": "13800138000"}],
                                   mapping={"客户": "customer", "姓名": "name", "手机": "phone"})
    assert rep.created == 1
    assert len(mem_crm.contacts.list(c)) == 1
    rep = mem_crm.imports.orders([{"customer": c.id, "amount": "¥12,800", "at": "2026/1/5"}])
    assert rep.created == 1
    assert mem_crm.customers.get(c).facts.lifetime_value == 12800.0
    rep = mem_crm.imports.interactions([{"customer": "(021) 5555 0000", "kind": "call", "summary": "回访",
                                         "at": "2026-01-06", "by": "alice"}])
    assert rep.created == 1
    rep = mem_crm.imports.leads([{"name": "王先生", "phone": "13900000000"}, {"name": "王先生", "phone": "139 0000 0000"}])
    assert (rep.created, rep.skipped) == (1, 1)


def test_duplicates_and_merge(mem_crm):
    org = build_org(mem_crm)
    keep = mem_crm.customers.add(name="深圳卫星导航股份有限公司", phone="0755-8888 0000", owner=org.alice)
    drop = mem_crm.customers.add(name="深圳卫星导航集团", owner=org.alice, tags=["VIP"])
    same_phone = mem_crm.customers.add(name="别名", phone="+86 755 8888 0000", owner=org.carol)
    mem_crm.orders.add(drop, amount=100.0)
    pairs = mem_crm.customers.duplicates(threshold=0.8).rows()
    assert {(p["customer_id"], p["other_id"], p["rule"]) for p in pairs} == {
        (keep.id, drop.id, "name"), (keep.id, same_phone.id, "phone")}
    assert all(0 < p["score"] <= 1 for p in pairs)
    with pytest.raises(crmkit.ValidationError):
        mem_crm.customers.duplicates(threshold=1.5)
    # alice's view does not see carol's customer: no pair, no merge.
    alice = mem_crm.as_user(org.alice)
    assert {(p["customer_id"], p["other_id"]) for p in alice.customers.duplicates().rows()} == {(keep.id, drop.id)}
    with pytest.raises(crmkit.PermissionDenied):
        alice.customers.merge(keep, same_phone)
    kept = alice.customers.merge(keep=keep, drop=drop)
    assert kept.tags == ["VIP"]
    assert kept.facts.order_count == 1
    with pytest.raises(crmkit.NotFound):
        mem_crm.customers.get(drop.id)
    assert "merged" in [h["field"] for h in mem_crm.history("customer", keep.id).rows()]
    assert mem_crm.history("customer", drop.id).rows()[-1]["field"] == "merged_into"
    assert mem_crm.customers.duplicate_scan()["candidates"] >= 1


@pytest.mark.slow
def test_a_million_rows_with_a_bad_last_row_and_all_or_nothing_write_nothing(mem_crm):
    def rows():
        for i in range(1_000_000):
            yield {"name": f"公司{i}", "phone": f"1{(3, 5, 8)[i % 3]}{i:09d}"}
        yield {"name": "最后一行", "phone": "not a phone"}

    rep = mem_crm.imports.customers(rows(), all_or_nothing=True)
    assert rep.rows == 1_000_001
    assert rep.committed is False and rep.created == 0
    assert [(p["row"], p["column"]) for p in rep.problems.rows()] == [(1_000_001, "phone")]
    assert mem_crm.customers.count() == 0
    assert len(mem_crm.events.since(0, limit=10)) == 0


def test_a_merge_moves_group_memberships_once_per_group(mem_crm):
    keep = mem_crm.customers.add(name="上海星河科技有限公司")
    drop = mem_crm.customers.add(name="上海星河科技")
    other = mem_crm.customers.add(name="北京远方")
    for g in ("展会名单", "老客户", "重点"):
        mem_crm.groups.add(g)
    mem_crm.groups.add_members("展会名单", [keep, drop])  # both: the kept customer stays once
    mem_crm.groups.add_members("老客户", [drop, other])   # only the dropped one: it moves
    mem_crm.groups.add_members("重点", [other])           # neither: untouched
    mem_crm.customers.merge(keep=keep, drop=drop)
    assert mem_crm.groups.ids("展会名单") == [keep.id]
    assert mem_crm.groups.ids("老客户") == sorted([keep.id, other.id])
    assert mem_crm.groups.ids("重点") == [other.id]
