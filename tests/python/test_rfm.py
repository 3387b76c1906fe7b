"""RFM scores from the per-customer facts agree with a direct computation over the orders.

rfm.score() reads each customer's order count, net spend and last purchase from the facts the
engine keeps, undoing the orders after the asof; when those are a large share of all orders it
makes one pass over the orders instead. Both must give what the definition gives when computed
here from the orders table itself: ties, zero-amount orders, refunds, deleted orders, orders
after the asof and scoped views included."""

import bisect
import datetime as dt
import random
import sqlite3

import pytest

import crmkit

UTC = dt.timezone.utc
DAY_MS = 86_400_000


def _ms(t):
    return int(t.timestamp() * 1000)


def _reference(db_path, asof, owners=None):
    """The RFM table by its definition, from the orders table read with plain sqlite3:
    purchases are the orders that are not refunds (0 included), spend is net of refunds, recency
    counts whole days since the last purchase, and a score is 5 * (values strictly lower) // n + 1."""
    con = sqlite3.connect(str(db_path))
    rows = con.execute("SELECT o.customer_id, o.at, o.amount_cents, c.owner_id FROM orders o "
                       "JOIN customers c ON c.id = o.customer_id WHERE o.at <= ?", (asof,)).fetchall()
    con.close()
    per = {}
    for cid, at, cents, owner in rows:
        if owners is not None and owner not in owners:
            continue
        a = per.setdefault(cid, {"purchases": 0, "cents": 0, "last": None})
        a["cents"] += cents
        if cents >= 0:
            a["purchases"] += 1
            a["last"] = at if a["last"] is None else max(a["last"], at)
    out = {cid: {"recency_days": (asof - a["last"]) // DAY_MS, "frequency": a["purchases"],
                 "monetary": a["cents"] / 100.0}
           for cid, a in per.items() if a["purchases"] > 0}
    n = len(out)
    for col, sign, score in (("recency_days", -1, "r"), ("frequency", 1, "f"), ("monetary", 1, "m")):
        keys = sorted(sign * v[col] for v in out.values())
        for v in out.values():
            v[score] = 5 * bisect.bisect_left(keys, sign * v[col]) // n + 1
    return out


def _engine(table):
    return {r["customer_id"]: {k: r[k] for k in ("recency_days", "frequency", "monetary", "r", "f", "m")}
            for r in table.rows()}


@pytest.fixture
def shop(crm, db_path):
    """40 customers of two reps (and the pool) with orders over 2025: tied amounts and days,
    orders of 0, refunds, a deleted order, and customers with nothing but a free sample or a
    refunded purchase."""
    crm.clock.freeze("2026-01-01T00:00:00Z")
    alice = crm.users.add("alice", name="Alice")
    bob = crm.users.add("bob", name="Bob")
    rng = random.Random(12)
    start = dt.datetime(2025, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(40):
        owner = [alice, bob, None][i % 3]
        c = crm.customers.add(name=f"c{i}", owner=owner)
        ids.append(c.id)
        for _ in range(rng.randrange(0, 9)):
            # Few distinct amounts and days, so that scores tie often.
            amount = rng.choice([0.0, 50.0, 50.0, 120.0, 999.99])
            at = start + dt.timedelta(days=rng.randrange(0, 12) * 30, hours=rng.choice([0, 9]))
            order = crm.orders.add(c, amount=amount, at=at)
            if amount > 0 and rng.random() < 0.2:
                crm.orders.refund(order, amount=amount / 2, at=at + dt.timedelta(days=3))
    only_free = crm.customers.add(name="only a sample")
    crm.orders.add(only_free, amount=0, at="2025-06-01")
    refunded = crm.customers.add(name="bought and returned")
    paid = crm.orders.add(refunded, amount=300.0, at="2025-07-01")
    crm.orders.refund(paid, at="2025-07-02")
    gone = crm.orders.add(ids[0], amount=5000.0, at="2025-12-30")
    crm.orders.delete(gone)
    assert crm.facts.check() == []
    return crm, db_path, alice, bob


def _order_share_after(db_path, asof):
    con = sqlite3.connect(str(db_path))
    later, total = con.execute("SELECT count(*) FILTER (WHERE at > ?), count(*) FROM orders", (asof,)).fetchone()
    con.close()
    return later / total


@pytest.mark.parametrize("asof, share", [
    (dt.datetime(2026, 1, 1, tzinfo=UTC), (0.0, 0.0)),     # no order after it: the facts as kept
    (dt.datetime(2025, 11, 15, tzinfo=UTC), (0.01, 0.25)),  # a few after it: undone from the facts
    (dt.datetime(2025, 4, 1, tzinfo=UTC), (0.5, 1.0)),      # most after it: one pass over the orders
])
def test_rfm_from_facts_equals_the_definition(shop, asof, share):
    crm, db_path, _, _ = shop
    asof_ms = _ms(asof)
    assert share[0] <= _order_share_after(db_path, asof_ms) <= share[1]
    got = crm.rfm.score(asof=asof)
    want = _reference(db_path, asof_ms)
    assert _engine(got) == want
    assert got.column("customer_id") == sorted(want)
    # ties occur in every measure, and zero-amount orders count as purchases
    for col in ("recency_days", "frequency", "monetary"):
        values = [v[col] for v in want.values()]
        assert len(set(values)) < len(values)
    # the label is a function of the r and f scores
    labels = {}
    for r in got.rows():
        assert labels.setdefault((r["r"], r["f"]), r["label"]) == r["label"]


def test_rfm_of_a_scoped_view_equals_the_definition(shop):
    crm, db_path, alice, _ = shop
    asof = dt.datetime(2025, 11, 15, tzinfo=UTC)
    got = crm.as_user(alice).rfm.score(asof=asof)
    want = _reference(db_path, _ms(asof), owners={alice.id})
    assert want and _engine(got) == want


def test_rfm_follows_writes_after_the_asof(shop):
    crm, db_path, _, _ = shop
    asof = dt.datetime(2025, 11, 15, tzinfo=UTC)
    before = _engine(crm.rfm.score(asof=asof))
    # a purchase after the asof changes nothing as of it, even the customer's latest purchase
    cid = next(iter(before))
    crm.orders.add(cid, amount=70.0, at="2025-12-20")
    assert _engine(crm.rfm.score(asof=asof)) == before == _reference(db_path, _ms(asof))
    # the current scores see it
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    current = _engine(crm.rfm.score(asof=now))
    assert current == _reference(db_path, _ms(now))
    assert current[cid]["recency_days"] == 12


def test_rfm_without_orders_is_empty(crm):
    crm.customers.add(name="no orders")
    assert len(crm.rfm.score()) == 0
