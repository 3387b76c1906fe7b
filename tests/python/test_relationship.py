"""The customer relationship process: interactions, tasks, revisits, tickets, orders, facts, the pool."""

import datetime as dt

import pytest

import crmkit

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def rel(org):
    org.crm.clock.freeze(T0)
    return org


def ids(table):
    return list(table.column("id"))


# ---------------------------------------------------------------------------------------------
# Interactions

def test_log_interaction_updates_facts_and_creates_follow_up(rel):
    crm = rel.crm
    c = crm.customers.add(name="上海某某科技有限公司", owner=rel.alice)
    i = crm.interactions.log(c, kind="call", by=rel.alice, summary="确认需求 😀", at="2026-01-04T10:00",
                             next_follow_up="2026-02-01")
    assert i.customer_id == c.id and i.kind == "call" and i.user_id == rel.alice.id
    assert i.at == dt.datetime(2026, 1, 4, 10, 0, tzinfo=UTC)
    assert i.summary == "确认需求 😀"
    task = crm.tasks.get(i.follow_up_task_id)
    assert task.assignee_id == rel.alice.id and task.kind == "follow_up" and task.all_day
    assert task.due_at == dt.datetime(2026, 2, 1, tzinfo=UTC)
    got = crm.customers.get(c)
    assert got.facts.interaction_count == 1 == got.interaction_count
    assert got.facts.last_contact_at == i.at == got.last_contact_at
    assert got.days_since_contact == 0
    crm.clock.advance(days=3)
    assert crm.customers.get(c).days_since_contact == 3


def test_interactions_list_newest_first_paged_per_customer_and_user(rel):
    crm = rel.crm
    a = crm.customers.add(name="A", owner=rel.alice)
    b = crm.customers.add(name="B", owner=rel.bob)
    made = []
    for day in range(1, 6):
        made.append(crm.interactions.log(a, kind="visit", by=rel.alice, at=T0 - dt.timedelta(days=day)))
    crm.interactions.log(b, kind="email", by=rel.bob, at=T0 - dt.timedelta(hours=1))
    t = crm.interactions.list(customer=a)
    assert ids(t) == [x.id for x in made]
    assert ids(crm.interactions.list(customer=a, limit=2, offset=1)) == [made[1].id, made[2].id]
    assert len(crm.interactions.list(by=rel.bob)) == 1
    assert len(crm.interactions.list()) == 6
    assert {"id", "customer_id", "kind", "user_id", "at", "summary"} <= set(t.columns)


def test_log_many(rel):
    crm = rel.crm
    a = crm.customers.add(name="A", owner=rel.alice)
    rows = [{"customer": a, "kind": "call", "at": T0 - dt.timedelta(days=d)} for d in range(5)]
    rows[3]["kind"] = "传真"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.interactions.log_many(rows)
    assert e.value.row == 3 and e.value.field == "kind"
    assert crm.customers.get(a).interaction_count == 0
    rows[3]["kind"] = "wechat"
    assert len(crm.interactions.log_many(rows)) == 5
    assert crm.customers.get(a).interaction_count == 5


def test_bad_interactions_change_nothing(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.interactions.log(c, kind="fax")
    assert e.value.field == "kind"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.interactions.log(c, kind="call", at=T0 + dt.timedelta(minutes=6))
    assert e.value.field == "at"
    crm.interactions.log(c, kind="call", at=T0 + dt.timedelta(minutes=4))  # within the tolerance
    assert crm.customers.get(c).interaction_count == 1
    assert len(crm.interactions.list()) == 1


# ---------------------------------------------------------------------------------------------
# Tasks

def test_tasks_due_overdue_complete_reassign_cancel(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    t1 = crm.tasks.add(c, title="回访", due="2026-01-07T10:00", assignee=rel.alice)
    t2 = crm.tasks.add(c, title="寄样品", due=dt.date(2026, 1, 5), assignee=rel.alice)
    assert ids(crm.tasks.due(assignee=rel.alice)) == [t2.id]
    assert ids(crm.tasks.due(assignee=rel.alice, before="2026-01-08")) == [t2.id, t1.id]
    assert len(crm.tasks.overdue()) == 0
    crm.clock.advance(days=1)
    assert ids(crm.tasks.overdue(assignee=rel.alice)) == [t2.id]
    crm.clock.advance(days=2)
    assert ids(crm.tasks.overdue()) == [t2.id, t1.id]
    assert crm.tasks.reassign(t1, to=rel.bob).assignee_id == rel.bob.id
    assert ids(crm.tasks.overdue(assignee=rel.bob)) == [t1.id]
    assert crm.tasks.complete(t1.id).status == "done"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.tasks.complete(t1.id)
    assert e.value.field == "status"
    assert crm.tasks.cancel(t2.id, reason="客户已流失").status == "cancelled"
    assert len(crm.tasks.overdue()) == 0


def test_task_due_before_creation_is_refused(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    for due in ("2026-01-05T08:59", "2026-01-04"):
        with pytest.raises(crmkit.ValidationError) as e:
            crm.tasks.add(c, title="回访", due=due)
        assert e.value.field == "due"
    assert len(crm.tasks.list()) == 0


# ---------------------------------------------------------------------------------------------
# Tickets

def test_tickets_and_satisfaction(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    t = crm.tickets.open(c, title="安装问题", by=rel.alice)
    assert crm.customers.get(c).open_tickets == 1
    crm.tickets.note(t.id, "已上门", by=rel.alice)
    assert list(crm.tickets.notes(t).column("body")) == ["已上门"]
    for bad in (0, 6):
        with pytest.raises(crmkit.ValidationError) as e:
            crm.tickets.close(t.id, satisfaction=bad)
        assert e.value.field == "satisfaction"
    assert crm.tickets.get(t).status == "open"
    closed = crm.tickets.close(t.id, satisfaction=4)
    assert closed.status == "closed" and closed.satisfaction == 4
    got = crm.customers.get(c)
    assert got.open_tickets == 0 and got.avg_satisfaction == 4.0
    crm.tickets.reopen(t.id)
    got = crm.customers.get(c)
    assert got.open_tickets == 1 and got.avg_satisfaction is None
    crm.tickets.close(t.id, satisfaction=5)
    assert crm.customers.get(c).avg_satisfaction == 5.0


# ---------------------------------------------------------------------------------------------
# Orders

def test_orders_items_refunds_and_facts(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    o = crm.orders.add(c, amount=12800.0, at="2026-01-01", items=[{"sku": "A1", "qty": 2, "price": 6400.0}])
    assert o.amount == 12800.0 and o.items[0].sku == "A1" and o.items[0].qty == 2
    r = crm.orders.refund(o.id, amount=6400.0)
    assert r.amount == -6400.0 and r.refund_of == o.id
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.refund(o.id, amount=6400.01)
    assert e.value.field == "amount"
    crm.orders.add(c, amount=0.1, at="2025-12-01")
    got = crm.customers.get(c)
    assert got.order_count == 2
    assert got.lifetime_value == pytest.approx(6400.1)
    assert got.first_order_at == dt.datetime(2025, 12, 1, tzinfo=UTC)
    assert got.last_order_at == dt.datetime(2026, 1, 1, tzinfo=UTC)
    t = crm.orders.list(customer=c)
    assert len(t) == 3 and {"amount", "refund_of", "refunded"} <= set(t.columns)


def test_bad_orders(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add(c, amount=-100.0)
    assert e.value.field == "amount"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add(c, amount=100.0, items=[{"sku": "A", "qty": 1, "price": 99.0}])
    assert e.value.field == "items"
    assert len(crm.orders.list()) == 0
    assert crm.customers.get(c).order_count == 0


def test_money_beyond_the_range_it_is_kept_in_is_refused_and_nothing_is_written(mem_crm):
    crm = mem_crm
    c = crm.customers.add(name="甲")
    # Amounts are kept as integer cents: a customer's lifetime value can reach 2**63 - 1 cents.
    # The largest order is 10**13 (10**15 cents), so 9,223 of them fit and one more does not.
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add_many([{"customer": c.id, "amount": 1e13} for _ in range(9300)])
    assert e.value.field == "amount" and "lifetime value" in str(e.value)
    assert crm.customers.get(c).order_count == 0 and len(crm.orders.list()) == 0
    crm.orders.add_many([{"customer": c.id, "amount": 1e13} for _ in range(9223)])
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add(c, amount=1e13)
    assert e.value.field == "amount" and "lifetime value" in str(e.value)
    facts = crm.customers.get(c)
    assert (facts.order_count, facts.lifetime_value) == (9223, 9223 * 1e13)
    assert crm.check().ok
    # Order lines whose total leaves the range of one order's amount.
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add(c, items=[{"sku": "A", "qty": 10**12, "price": 1e13}])
    assert e.value.field == "items"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.add(c, items=[{"sku": "A", "qty": 2, "price": 1e13}, {"sku": "B", "qty": 1, "price": 1e13}])
    assert e.value.field == "items"
    assert crm.customers.get(c).order_count == 9223


def test_zero_amount_orders_are_orders(rel):
    crm = rel.crm
    c = crm.customers.add(name="样品客户", owner=rel.alice)
    paid = crm.orders.add(c, amount=500.0, at="2025-12-01")
    free = crm.orders.add(c, amount=0, at="2026-01-02", note="赠品 🎁")
    assert free.amount == 0 and free.refund_of is None and free.note == "赠品 🎁"
    items = crm.orders.add(c, at="2026-01-03", items=[{"sku": "SAMPLE", "qty": 3, "price": 0}])
    assert items.amount == 0 and items.items[0].qty == 3
    got = crm.customers.get(c)
    # counted as orders, adding nothing to lifetime value
    assert got.order_count == 3
    assert got.lifetime_value == pytest.approx(500.0)
    assert got.first_order_at == dt.datetime(2025, 12, 1, tzinfo=UTC)
    assert got.last_order_at == dt.datetime(2026, 1, 3, tzinfo=UTC)
    assert crm.facts.check() == []
    crm.facts.rebuild()
    assert crm.customers.get(c).order_count == 3
    # RFM: frequency counts them, recency is measured from the latest, monetary adds 0
    row = crm.rfm.score(asof="2026-01-05").rows()[0]
    assert row["frequency"] == 3 and row["recency_days"] == 2 and row["monetary"] == pytest.approx(500.0)
    # nothing to refund of a free order, and a refund is still negative
    with pytest.raises(crmkit.ValidationError) as e:
        crm.orders.refund(free.id)
    assert e.value.field == "amount"
    crm.orders.refund(paid.id, amount=100.0)
    assert crm.customers.get(c).order_count == 3
    assert crm.customers.get(c).lifetime_value == pytest.approx(400.0)


def test_schema_11_migrates_orders_keeping_rows_and_references(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    crm = crmkit.open(str(path))
    c = crm.customers.add(name="旧客户")
    o = crm.orders.add(c, amount=30.0, at="2025-06-01", items=[{"sku": "甲", "qty": 1, "price": 30.0}])
    crm.orders.refund(o.id, amount=10.0)
    crm.close()
    # Put the file back to the version-7 shape of orders (refusing 0) and reopen it.
    con = sqlite3.connect(str(path))
    con.executescript("""
        PRAGMA foreign_keys=OFF;
        CREATE TABLE o7 AS SELECT * FROM orders; CREATE TABLE i7 AS SELECT order_id, line, sku, qty, price_cents FROM order_items;
        DROP TABLE order_items; DROP TABLE orders;
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id)
          ON DELETE CASCADE, amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0), at INTEGER NOT NULL,
          refund_of INTEGER REFERENCES orders(id) ON DELETE CASCADE, note TEXT, created_by INTEGER,
          created_at INTEGER NOT NULL, CHECK ((amount_cents > 0) = (refund_of IS NULL)));
        CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
          line INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),
          price_cents INTEGER NOT NULL CHECK (price_cents >= 0), PRIMARY KEY(order_id, line)) WITHOUT ROWID;
        INSERT INTO orders SELECT * FROM o7; INSERT INTO order_items SELECT * FROM i7;
        DROP TABLE o7; DROP TABLE i7;
        PRAGMA user_version=7;
    """)
    con.close()
    crm = crmkit.open(str(path))
    assert crm.schema_version == crmkit.SCHEMA_VERSION
    assert sorted(r["amount"] for r in crm.orders.list(customer=c).rows()) == [-10.0, 30.0]
    assert crm.orders.get(o.id).items[0].sku == "甲"
    assert crm.orders.add(c, amount=0).amount == 0
    crm.close()
    con = sqlite3.connect(str(path))
    assert {r[2] for r in con.execute("PRAGMA foreign_key_list(order_items)")} == {"orders"}
    assert {r[2] for r in con.execute("PRAGMA foreign_key_list(orders)")} == {"customers", "orders"}
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT count(*) FROM order_items").fetchone()[0] == 1
    con.close()


# ---------------------------------------------------------------------------------------------
# Facts

def test_facts_in_find_and_rebuild(rel):
    crm = rel.crm
    a = crm.customers.add(name="A", owner=rel.alice)
    crm.customers.add(name="B", owner=rel.alice)
    crm.orders.add(a, amount=100.5)
    crm.interactions.log(a, kind="call")
    t = crm.customers.find()
    row = t.rows()[0]
    assert row["lifetime_value"] == 100.5 and row["order_count"] == 1 and row["days_since_contact"] == 0
    assert t.rows()[1]["last_contact_at"] is None
    assert crm.facts.get(a).lifetime_value == 100.5
    assert crm.facts.check() == []
    assert crm.facts.rebuild() == 0


# ---------------------------------------------------------------------------------------------
# The pool

def test_pool_release_claim_and_history(rel):
    crm = rel.crm
    c = crm.customers.add(name="C", owner=rel.alice)
    crm.pool.release(c.id, reason="不再跟进")
    assert crm.customers.get(c).owner_id is None
    assert ids(crm.pool.list()) == [c.id]
    crm.pool.claim(c.id, by=rel.bob)
    assert crm.customers.get(c).owner_id == rel.bob.id
    with pytest.raises(crmkit.Conflict):
        crm.pool.claim(c.id, by=rel.alice)
    h = [r for r in crm.history("customer", c.id).rows() if r["field"] == "owner_id"]
    assert [r["reason"] for r in h] == ["pool: released: 不再跟进", "pool: claimed"]


def test_pool_rules_caps_quota_cooldown(rel):
    crm = rel.crm
    rules = crm.pool.set_rules(max_held_per_user=2, max_claims_per_day=3, reclaim_cooldown_days=7)
    assert rules.max_held_per_user == 2 and rules.idle_days == 30
    assert crm.pool.rules() == rules
    cs = [crm.customers.add(name=f"客户{i}") for i in range(5)]
    crm.pool.claim(cs[0], by=rel.alice)
    crm.pool.claim(cs[1], by=rel.alice)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.pool.claim(cs[2], by=rel.alice)
    assert e.value.field == "max_held_per_user"
    crm.pool.release(cs[0])
    crm.pool.claim(cs[2], by=rel.alice)
    crm.pool.release(cs[1])
    with pytest.raises(crmkit.ValidationError) as e:
        crm.pool.claim(cs[3], by=rel.alice)
    assert e.value.field == "max_claims_per_day"
    crm.clock.advance(days=1)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.pool.claim(cs[0], by=rel.alice)
    assert e.value.field == "reclaim_cooldown_days"
    assert crm.customers.get(cs[0]).owner_id is None
    with pytest.raises(crmkit.ValidationError):
        crm.pool.set_rules(idle_days=-1)


def test_reclaim_idle_preview_and_warning(rel):
    crm = rel.crm
    crm.pool.set_rules(idle_days=30, no_deal_days=90, warn_days=3, exempt_won=True)
    idle = crm.customers.add(name="idle", owner=rel.alice)
    buyer = crm.customers.add(name="buyer", owner=rel.bob)
    crm.orders.add(buyer, amount=10.0)
    crm.clock.advance(days=28)
    assert crm.pool.reclaim_idle() == []
    assert crm.pool.reclaim_idle() == []
    warnings = crm.tasks.list(kind="pool_warning")
    assert list(warnings.column("customer_id")) == [idle.id]
    p = crm.pool.preview(at="2026-02-05")
    assert p.rows()[0]["customer_id"] == idle.id and p.rows()[0]["reason"] == "idle"
    assert crm.customers.get(idle).owner_id == rel.alice.id  # preview writes nothing
    crm.clock.advance(days=3)
    assert crm.pool.reclaim_idle() == [idle.id]
    assert crm.customers.get(idle).owner_id is None
    assert crm.customers.get(buyer).owner_id == rel.bob.id
    last = crm.history("customer", idle.id).rows()[-1]
    assert last["field"] == "owner_id" and last["reason"] == "pool: no interaction for 30 days"


def test_reps_claim_from_pool_but_not_others_customers(rel):
    crm = rel.crm
    pooled = crm.customers.add(name="公海客户")
    bobs = crm.customers.add(name="bob's", owner=rel.bob)
    alice = crm.as_user(rel.alice)
    assert ids(alice.pool.list()) == [pooled.id]
    alice.pool.claim(pooled)
    assert crm.customers.get(pooled).owner_id == rel.alice.id
    with pytest.raises(crmkit.Conflict):
        alice.pool.claim(bobs)
    with pytest.raises(crmkit.PermissionDenied):
        alice.pool.release(bobs)
    with pytest.raises(crmkit.PermissionDenied):
        alice.pool.reclaim_idle()


# ---------------------------------------------------------------------------------------------
# Scope

def test_scoped_views_see_only_their_customers_records(rel):
    crm = rel.crm
    mine = crm.customers.add(name="mine", owner=rel.alice)
    theirs = crm.customers.add(name="theirs", owner=rel.bob)
    crm.interactions.log(theirs, kind="call", by=rel.bob)
    crm.orders.add(theirs, amount=5.0)
    crm.tickets.open(theirs, title="bob's")
    crm.tasks.add(theirs, title="帮忙", due="2026-01-06", assignee=rel.alice)
    crm.tasks.add(theirs, title="bob only", due="2026-01-06", assignee=rel.bob)
    alice = crm.as_user(rel.alice)
    assert len(alice.interactions.list()) == 0
    assert len(alice.orders.list()) == 0
    assert len(alice.tickets.list()) == 0
    assert list(alice.tasks.list().column("title")) == ["帮忙"]
    with pytest.raises(crmkit.PermissionDenied):
        alice.interactions.log(theirs, kind="call")
    assert alice.interactions.log(mine, kind="call").user_id == rel.alice.id


# ---------------------------------------------------------------------------------------------
# Revisits

def test_revisits_run_is_idempotent(rel):
    crm = rel.crm
    v1 = crm.customers.add(name="v1", owner=rel.alice, tags=["VIP"])
    v2 = crm.customers.add(name="v2", owner=rel.bob, tags=["VIP"])
    crm.interactions.log(v2, kind="call", at=T0 - dt.timedelta(days=5))
    plan = crm.revisits.plan("vip_monthly", tag="VIP", every_days=30, assignee="owner")
    assert plan.assignee == "owner" and plan.target_kind == "tag"
    made = crm.revisits.run()
    assert [crm.tasks.get(t).customer_id for t in made] == [v1.id]
    assert crm.revisits.run() == []
    crm.clock.advance(days=26)
    assert [crm.tasks.get(t).customer_id for t in crm.revisits.run()] == [v2.id]
    with pytest.raises((crmkit.NotFound, crmkit.ValidationError)):  # unknown segment, or no segments domain
        crm.revisits.plan("seg", segment="no such segment")
    with pytest.raises(crmkit.ValidationError):
        crm.revisits.plan("two", tag="VIP", group="x")


def test_demo_tells_the_relationship_story(mem_crm):
    from crmkit import demo

    summary = demo.build(mem_crm, customers=300, seed=3)
    assert summary["interactions"] > 0 and summary["orders"] > 0 and summary["tickets"] > 0
    assert {"overdue_tasks", "pool_size", "top_customers"} <= set(summary)
    values = list(summary["top_customers"].values())
    assert values == sorted(values, reverse=True)
    assert mem_crm.facts.check() == []
    assert "Top customers by lifetime value" in demo.render(summary)
