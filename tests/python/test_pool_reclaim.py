"""reclaim_idle() and preview() with both rules and no exemption: the no-deal clock starts at the
latest of the last order, the last won deal and the owner's arrival; the idle clock at the later
of the last contact and the owner's arrival (a claim in history, else the creation)."""

import pytest


@pytest.fixture
def shop(crm):
    crm.clock.freeze("2026-01-01T09:00:00Z")
    alice = crm.users.add("alice", name="Alice")
    bob = crm.users.add("bob", name="Bob")
    crm.pool.set_rules(idle_days=30, no_deal_days=60, warn_days=0, exempt_won=False)
    return crm, alice, bob


def test_reclaim_counts_won_deals_orders_and_claims(shop):
    crm, alice, bob = shop
    won = crm.customers.add(name="won a deal", owner=alice)
    bought = crm.customers.add(name="bought", owner=alice)
    nothing = crm.customers.add(name="no deal", owner=alice)
    claimed = crm.customers.add(name="claimed later")
    crm.clock.advance(days=10)
    opp = crm.opportunities.add(customer=won, title="项目", amount=1000, owner=alice)
    crm.opportunities.win(opp.id, by=alice)
    crm.orders.add(bought, amount=50.0)
    for day in (20, 40, 60):  # all three owned ones are contacted: only the no-deal rule can fall due
        crm.clock.freeze("2026-01-01T09:00:00Z")
        crm.clock.advance(days=day)
        for c in (won, bought, nothing):
            crm.interactions.log(c, kind="call", by=alice, summary="跟进")
        if day == 40:
            crm.pool.claim(claimed, by=bob)
    crm.clock.advance(days=1)  # day 61
    preview = crm.pool.preview()
    assert [(r["customer_id"], r["reason"]) for r in preview.rows()] == [(nothing.id, "no_deal")]
    assert crm.pool.reclaim_idle() == [nothing.id]
    assert crm.history("customer", nothing.id).rows()[-1]["reason"] == "pool: no order or won deal for 60 days"
    # day 71: the won deal (day 10) and the order (day 10) are 61 days old, the claim (day 40) 31
    crm.clock.advance(days=10)
    due = {r["customer_id"]: r["reason"] for r in crm.pool.preview().rows()}
    assert due == {won.id: "no_deal", bought.id: "no_deal", claimed.id: "idle"}
    assert crm.pool.reclaim_idle() == sorted(due)
    assert all(crm.customers.get(c).owner_id is None for c in due)
    assert crm.pool.reclaim_idle() == []


def test_reclaim_with_both_rules_off_reclaims_nothing(shop):
    crm, alice, _ = shop
    crm.pool.set_rules(idle_days=0, no_deal_days=0)
    c = crm.customers.add(name="forgotten", owner=alice)
    crm.clock.advance(days=1000)
    assert len(crm.pool.preview()) == 0 and crm.pool.reclaim_idle() == []
    assert crm.customers.get(c).owner_id == alice.id


def test_reclaim_inside_a_callers_transaction_commits_and_rolls_back_with_it(shop):
    crm, alice, _ = shop
    c = crm.customers.add(name="久未联系", owner=alice)
    crm.clock.advance(days=31)
    with pytest.raises(RuntimeError):
        with crm.transaction():
            assert crm.pool.reclaim_idle() == [c.id]
            raise RuntimeError("the caller gives up")
    assert crm.customers.get(c).owner_id == alice.id
    with crm.transaction():
        assert crm.pool.reclaim_idle() == [c.id]
    assert crm.customers.get(c).owner_id is None
    assert crm.history("customer", c.id).rows()[-1]["reason"] == "pool: no interaction for 30 days"
