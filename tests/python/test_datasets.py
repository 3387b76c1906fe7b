"""The data sets that ship inside the package (crmkit.datasets)."""

import datetime as dt
import math

import crmkit


def test_cdnow_log_is_complete_and_typed():
    rows = crmkit.datasets.load_cdnow()
    # The published description of the log: 69,659 purchases of 23,570 customers between
    # 1997-01-01 and 1998-06-30, 167,881 CDs for US$2,500,315.63, 80 of them of $0.00.
    assert len(rows) == 69_659
    assert len({r["customer"] for r in rows}) == 23_570
    assert min(r["customer"] for r in rows) == 1 and max(r["customer"] for r in rows) == 23_570
    assert min(r["at"] for r in rows) == dt.date(1997, 1, 1)
    assert max(r["at"] for r in rows) == dt.date(1998, 6, 30)
    assert sum(r["cds"] for r in rows) == 167_881
    assert math.isclose(math.fsum(r["amount"] for r in rows), 2_500_315.63, abs_tol=0.005)
    assert sum(1 for r in rows if r["amount"] == 0) == 80
    assert rows[0] == {"customer": 1, "at": dt.date(1997, 1, 1), "cds": 1, "amount": 11.77}
    assert "Fader" in crmkit.datasets.CDNOW_CITATION and "2005" in crmkit.datasets.CDNOW_CITATION


def test_cdnow_into_makes_one_customer_per_number_and_skips_zero_orders(mem_crm):
    rows = [r for r in crmkit.datasets.load_cdnow() if r["customer"] <= 300]
    id_of = crmkit.datasets.cdnow_into(mem_crm, rows)
    assert sorted(id_of) == sorted({r["customer"] for r in rows})
    assert mem_crm.customers.count() == len(id_of)
    paid = [r for r in rows if r["amount"] > 0]
    found = mem_crm.customers.find(limit=1000)
    assert sum(r.order_count for r in found) == len(paid)
    first = mem_crm.customers.get(id_of[1])
    assert first.name == "CDNOW #00001" and first.source == "CDNOW"
    expected = math.fsum(r["amount"] for r in paid if r["customer"] == 1)
    assert math.isclose(first.facts.lifetime_value, expected, abs_tol=0.005)
    assert first.facts.order_count == sum(1 for r in paid if r["customer"] == 1)


def test_demo_crm_is_seeded_and_deterministic():
    one, summary_one = crmkit.datasets.demo_crm(customers=120, seed=3)
    two, summary_two = crmkit.datasets.demo_crm(customers=120, seed=3)
    try:
        assert summary_one == summary_two
        # 120 customers of the relationship process, plus those that lead conversions created.
        assert one.customers.count() >= 120
        assert one.customers.count() == two.customers.count()
        names = sorted(r.name for r in one.customers.find(limit=1000))
        assert names == sorted(r.name for r in two.customers.find(limit=1000))
        assert any("有限公司" in n for n in names)
    finally:
        one.close()
        two.close()
