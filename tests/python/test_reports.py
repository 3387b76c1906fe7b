"""Reports: each definition checked on a small hand-built dataset (answers worked out in plain
Python in the test) and on a random dataset against a pandas implementation of the same
definition (docs/reports.md). Pipeline, lead, task, ticket and approval rows are written with
sqlite3 into the CRM's own file so that every timestamp is exact; customers, orders, interactions
and lifecycle changes go through the public API with a frozen clock."""

import datetime as dt
import math
import random
import sqlite3

import pytest

import crmkit

DAY = 86_400_000
HOUR = 3_600_000
UTC = dt.timezone.utc
STAGES = ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单"]
PROB = dict(zip(STAGES, [0.1, 0.3, 0.5, 0.7, 1.0, 0.0]))
PROGRESS = STAGES[:5]          # the funnel order: every stage but the lost one
WON, LOST = "赢单", "输单"


def ms(text):
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


NOW = ms("2026-07-01T00:00")


def when(ms_value):
    return dt.datetime.fromtimestamp(ms_value / 1000, UTC)


# ---------------------------------------------------------------------------------------------
# Writing rows and comparing tables

class Rows:
    """Inserts pipeline/lead/approval/task/ticket rows into the CRM's file with sqlite3."""

    def __init__(self, crm):
        self.con = sqlite3.connect(str(crm.path), isolation_level=None)
        self.con.execute("PRAGMA busy_timeout=10000")
        self.wf = {}

    def insert(self, table, **row):
        cols = ",".join(row)
        cur = self.con.execute(f"INSERT INTO {table}({cols}) VALUES ({','.join('?' * len(row))})", tuple(row.values()))
        return cur.lastrowid

    def opportunity(self, customer, owner, amount, path, created_at, status="open", probability=None,
                    close_date=None, lead=None):
        """`path`: [(stage, at), ...] starting with the creation; closed deals end in WON / LOST."""
        closed_at = path[-1][1] if status != "open" else None
        oid = self.insert("opportunities", customer_id=customer, title="商机", amount_cents=round(amount * 100),
                          owner_id=owner, close_date=close_date, stage=path[-1][0], probability=probability,
                          status=status, lead_id=lead, created_at=created_at, updated_at=path[-1][1],
                          closed_at=closed_at)
        prev = None
        for stage, at in path:
            self.insert("opportunity_stage_history", customer_id=customer, opportunity_id=oid, from_stage=prev, to_stage=stage, at=at)
            prev = stage
        return oid

    def lead(self, source, owner, created_at, status="new", qualified_at=None, converted_at=None, opportunity=None):
        return self.insert("leads", name="线索", source=source, owner_id=owner, status=status, created_at=created_at,
                           updated_at=created_at, qualified_at=qualified_at, converted_at=converted_at,
                           opportunity_id=opportunity)

    def workflow(self, name):
        if name not in self.wf:
            self.wf[name] = self.insert("workflows", name=name, version=1, entity="opportunity", trigger_on="submit",
                                        definition="{}", created_at=0)
        return self.wf[name]

    def request(self, workflow, opportunity, created_at):
        return self.insert("approval_requests", workflow_id=self.workflow(workflow), entity="opportunity",
                           entity_id=opportunity, status="pending", created_at=created_at, updated_at=created_at)

    def step(self, request, index, name, status, started_at, ended_at=None, escalated_at=None):
        return self.insert("approval_steps", request_id=request, round=1, step_index=index, name=name, mode="any",
                           status=status, started_at=started_at, ended_at=ended_at, escalated_at=escalated_at)


def same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def check(table, expected, columns=None):
    """`expected`: a list of dicts (only the keys given are compared), in the table's row order."""
    rows = table.rows()
    assert len(rows) == len(expected), (rows, expected)
    for got, want in zip(rows, expected):
        for k, v in want.items():
            if columns is None or k in columns:
                assert same(got[k], v), (k, got, want)


@pytest.fixture
def world(crm, org):
    crm.clock.freeze(dt.datetime(2026, 7, 1, tzinfo=UTC))
    return org


def customers(crm, owners, n=1, source=None):
    return crm.customers.add_many([{"name": f"客户{i}", "owner": owners[i % len(owners)], "source": source}
                                   for i in range(n)])


# ---------------------------------------------------------------------------------------------
# Hand-built datasets

def test_funnel_hand(world, crm):
    org, db = world, Rows(crm)
    c = customers(crm, [world.alice])[0]
    t = ms("2026-01-01")
    a, b = org.alice.id, org.bob.id
    db.opportunity(c, a, 1000, [(STAGES[0], t), (STAGES[1], t + DAY), (STAGES[2], t + 2 * DAY)], t)
    db.opportunity(c, b, 500, [(STAGES[0], t), (STAGES[2], t + DAY)], t, probability=0.9)          # skips stage 1
    db.opportunity(c, a, 800, [(STAGES[0], t), (STAGES[1], t), (STAGES[3], t + DAY), (WON, t + 5 * DAY)], t,
                   status="won")
    db.opportunity(c, b, 300, [(STAGES[0], t), (LOST, t + DAY)], t, status="lost")
    db.opportunity(c, a, 200, [(STAGES[0], ms("2026-03-01"))], ms("2026-03-01"))
    # highest rank reached: 2, 2, 4, 0, 0 -> reached = [5, 3, 3, 1, 1]
    reached = [5, 3, 3, 1, 1]
    conv = [reached[i + 1] / reached[i] for i in range(4)] + [None]
    expected = [
        {"stage": STAGES[0], "count": 1, "amount": 200.0, "weighted_amount": 200 * 0.1},
        {"stage": STAGES[1], "count": 0, "amount": 0.0, "weighted_amount": 0.0},
        {"stage": STAGES[2], "count": 2, "amount": 1500.0, "weighted_amount": 1000 * 0.5 + 500 * 0.9},
        {"stage": STAGES[3], "count": 0, "amount": 0.0, "weighted_amount": 0.0},
        {"stage": WON, "count": 0, "amount": 0.0, "weighted_amount": 0.0},
        {"stage": LOST, "count": 0, "reached": 1, "conversion_to_next": None},
    ]
    for i in range(5):
        expected[i].update(reached=reached[i], conversion_to_next=conv[i])
    check(crm.reports.funnel(), expected)
    # the window is on created_at: the March deal drops out
    f = crm.reports.funnel(end="2026-02-01").rows()
    assert f[0]["count"] == 0 and f[0]["reached"] == 4
    # owner and scope
    assert [r["count"] for r in crm.reports.funnel(owner=org.bob).rows()] == [0, 0, 1, 0, 0, 0]
    assert [r["count"] for r in crm.as_user(org.bob).reports.funnel().rows()] == [0, 0, 1, 0, 0, 0]
    assert [r["count"] for r in crm.reports.funnel(team=org.east1).rows()] == [1, 0, 2, 0, 0, 0]
    assert [r["count"] for r in crm.reports.funnel(team=org.south).rows()] == [0] * 6
    # an opportunity rule
    assert [r["count"] for r in crm.reports.funnel(where="amount >= 600").rows()] == [0, 0, 1, 0, 0, 0]


def test_conversion_hand(world, crm):
    db = Rows(crm)
    c = customers(crm, [world.alice])[0]
    t = ms("2026-01-10")
    a, b = world.alice.id, world.bob.id
    won = db.opportunity(c, a, 100, [(STAGES[0], t), (WON, t + DAY)], t, status="won")
    lost = db.opportunity(c, a, 100, [(STAGES[0], t), (LOST, t + DAY)], t, status="lost")
    db.lead("官网", a, t)                                                      # new
    db.lead("官网", a, t, status="qualified", qualified_at=t + 1)
    db.lead("官网", b, t, status="converted", qualified_at=t + 1, converted_at=t + 2, opportunity=won)
    db.lead("展会", b, t, status="converted", converted_at=t + 2, opportunity=lost)   # converted without qualify
    db.lead("展会", b, ms("2026-02-10"), status="disqualified")
    db.lead(None, a, ms("2026-02-11"))
    rows = crm.reports.conversion(by="source")
    assert rows.columns[:1] == ["source"]
    check(rows, [
        {"source": None, "leads": 1, "qualified": 0, "converted": 0, "won": 0, "qualify_rate": 0.0,
         "convert_rate": None, "win_rate": None, "overall_rate": 0.0},
        {"source": "官网", "leads": 3, "qualified": 2, "converted": 1, "won": 1, "qualify_rate": 2 / 3,
         "convert_rate": 0.5, "win_rate": 1.0, "overall_rate": 1 / 3},
        {"source": "展会", "leads": 2, "qualified": 1, "converted": 1, "won": 0, "qualify_rate": 0.5,
         "convert_rate": 1.0, "win_rate": 0.0, "overall_rate": 0.0},
    ])
    check(crm.reports.conversion(by="owner"), [
        {"owner_id": a, "owner": "alice", "leads": 3, "qualified": 1},
        {"owner_id": b, "owner": "bob", "leads": 3, "qualified": 2, "converted": 2, "won": 1},
    ])
    check(crm.reports.conversion(by="team"), [{"team_id": world.east1.id, "team": "华东一组", "leads": 6}])
    check(crm.reports.conversion(by="period", period="month"), [
        {"period": "2026-01", "period_start": dt.date(2026, 1, 1), "leads": 4},
        {"period": "2026-02", "period_start": dt.date(2026, 2, 1), "leads": 2},
    ])
    check(crm.reports.conversion(by="period", period="quarter"), [{"period": "2026-Q1", "leads": 6}])
    check(crm.reports.conversion(by="source", where='source = "展会" and status = "converted"'),
          [{"source": "展会", "leads": 1, "converted": 1}])
    check(crm.reports.conversion(start="2026-02-01"), [{"source": None, "leads": 1}, {"source": "展会", "leads": 1}])


def test_win_rate_velocity_hand(world, crm):
    db = Rows(crm)
    ca = crm.customers.add(name="甲", owner=world.alice, source="展会").id
    t = ms("2026-01-01")
    a, b = world.alice.id, world.bob.id
    # alice: won 1000 in 10 days, won 3000 in 30 days, lost one; bob: lost one; an open deal each
    db.opportunity(ca, a, 1000, [(STAGES[0], t), (WON, t + 10 * DAY)], t, status="won")
    db.opportunity(ca, a, 3000, [(STAGES[0], t), (WON, t + 30 * DAY)], t, status="won")
    db.opportunity(ca, a, 500, [(STAGES[0], t), (LOST, t + 40 * DAY)], t, status="lost")
    db.opportunity(ca, b, 700, [(STAGES[0], t), (LOST, t + 5 * DAY)], t, status="lost")
    db.opportunity(ca, a, 900, [(STAGES[0], t)], t)
    db.opportunity(ca, b, 900, [(STAGES[0], t)], t)
    check(crm.reports.win_rate(by="owner"), [
        {"owner_id": a, "won": 2, "lost": 1, "closed": 3, "win_rate": 2 / 3, "won_amount": 4000.0},
        {"owner_id": b, "won": 0, "lost": 1, "closed": 1, "win_rate": 0.0, "won_amount": 0.0},
    ])
    check(crm.reports.win_rate(by="source"), [{"source": "展会", "won": 2, "lost": 2}])
    check(crm.reports.win_rate(by="period"), [{"period": "2026-01", "won": 2, "lost": 1},
                                              {"period": "2026-02", "won": 0, "lost": 1}])
    # velocity: 2 open × (2/4) × 2000 ÷ 20 days = 100 per day
    check(crm.reports.velocity(), [{"open_opportunities": 2, "win_rate": 0.5, "avg_won_amount": 2000.0,
                                    "avg_cycle_days": 20.0, "velocity": 100.0}])
    check(crm.reports.velocity(end="2026-01-02"), [{"open_opportunities": 2, "win_rate": None, "velocity": None}])
    check(crm.as_user(world.bob).reports.velocity(), [{"open_opportunities": 1, "win_rate": 0.0,
                                                      "avg_won_amount": None, "velocity": None}])


def test_stage_durations_hand(world, crm):
    db = Rows(crm)
    c = customers(crm, [world.alice])[0]
    a = world.alice.id
    t = NOW - 100 * DAY
    # stage 0: 2 days and 4 days; stage 1: 6 days, then back to stage 0 for 1 more day (0 total: 5);
    # stage 2 (open, still there): now - entry = 10 days
    db.opportunity(c, a, 1, [(STAGES[0], t), (STAGES[1], t + 2 * DAY), (WON, t + 8 * DAY)], t, status="won")
    db.opportunity(c, a, 1, [(STAGES[0], t), (STAGES[1], t + 4 * DAY), (STAGES[0], t + 4 * DAY),
                             (STAGES[2], t + 5 * DAY), (LOST, t + 5 * DAY)], t, status="lost")
    db.opportunity(c, a, 1, [(STAGES[0], NOW - 12 * DAY), (STAGES[2], NOW - 10 * DAY)], NOW - 12 * DAY)
    rows = {r["stage"]: r for r in crm.reports.stage_durations().rows()}
    s0 = sorted([2, 5, 2])
    assert rows[STAGES[0]]["opportunities"] == 3
    assert math.isclose(rows[STAGES[0]]["median_days"], 2.0)
    assert math.isclose(rows[STAGES[0]]["p90_days"], 2 + (5 - 2) * (0.9 * 2 - 1))  # linear interpolation
    assert math.isclose(rows[STAGES[0]]["mean_days"], sum(s0) / 3)
    assert rows[STAGES[1]]["opportunities"] == 2 and math.isclose(rows[STAGES[1]]["median_days"], 3.0)
    assert rows[STAGES[2]]["opportunities"] == 2 and math.isclose(rows[STAGES[2]]["median_days"], 5.0)
    assert rows[WON]["opportunities"] == 0 and rows[WON]["median_days"] is None
    # the window is on entry: only stays entered in the last 30 days
    recent = {r["stage"]: r for r in crm.reports.stage_durations(start=when(NOW - 30 * DAY)).rows()}
    assert recent[STAGES[0]]["opportunities"] == 1 and math.isclose(recent[STAGES[0]]["median_days"], 2.0)


def test_forecast_hand(world, crm):
    db = Rows(crm)
    c = customers(crm, [world.alice])[0]
    a = world.alice.id
    t = ms("2026-01-01")
    db.opportunity(c, a, 1000, [(STAGES[2], t)], t, close_date=ms("2026-07-15"))
    db.opportunity(c, a, 2000, [(STAGES[3], t)], t, close_date=ms("2026-08-01"), probability=0.2)
    db.opportunity(c, a, 4000, [(STAGES[0], t)], t)                                    # no close date
    db.opportunity(c, a, 500, [(STAGES[0], t), (WON, ms("2026-06-30T23:00"))], t, status="won",
                   close_date=ms("2026-07-20"))
    db.opportunity(c, a, 700, [(STAGES[0], t), (WON, ms("2026-07-02"))], t, status="won")
    check(crm.reports.forecast(period="month"), [
        {"period": "2026-06", "period_closed": True, "open_count": 0, "won_count": 1, "won_amount": 500.0,
         "forecast": 500.0},
        {"period": "2026-07", "period_closed": False, "open_count": 1, "pipeline_amount": 1000.0,
         "weighted_amount": 500.0, "won_count": 1, "won_amount": 700.0, "forecast": 1200.0},
        {"period": "2026-08", "period_start": dt.date(2026, 8, 1), "open_count": 1, "weighted_amount": 400.0,
         "forecast": 400.0},
    ])
    check(crm.reports.forecast(period="year"), [{"period": "2026", "open_count": 2, "won_count": 2,
                                                 "forecast": 2100.0}])


def test_repurchase_hand(world, crm):
    ids = customers(crm, [world.alice, world.bob], n=3)
    crm.orders.add(ids[0], amount=100.0, at="2025-12-01")
    crm.orders.add(ids[0], amount=100.0, at="2026-01-05")
    crm.orders.add(ids[0], amount=100.0, at="2026-01-06")     # same quarter: counted once
    crm.orders.add(ids[1], amount=50.0, at="2026-02-01")      # first purchase in Q1
    o = crm.orders.add(ids[2], amount=80.0, at="2025-11-01")
    crm.orders.refund(o.id, amount=80.0)
    crm.orders.add(ids[2], amount=80.0, at="2026-05-01")
    check(crm.reports.repurchase_rate(period="quarter"), [
        {"period": "2025-Q4", "customers": 2, "repeat_customers": 0, "repurchase_rate": 0.0},
        {"period": "2026-Q1", "customers": 2, "repeat_customers": 1, "repurchase_rate": 0.5},
        {"period": "2026-Q2", "customers": 1, "repeat_customers": 1, "repurchase_rate": 1.0},
    ])
    check(crm.reports.repurchase_rate(period="quarter", start="2026-01-01", owner=world.alice),
          [{"period": "2026-Q1", "customers": 1, "repeat_customers": 1},
           {"period": "2026-Q2", "customers": 1, "repeat_customers": 1}])
    check(crm.reports.repurchase_rate(period="year", where="order_count >= 3"),
          [{"period": "2025", "customers": 1}, {"period": "2026", "customers": 1, "repeat_customers": 1}])


def test_activity_hand(world, crm):
    db = Rows(crm)
    ca, cb = customers(crm, [world.alice, world.bob], n=2)
    a, b = world.alice.id, world.bob.id
    crm.interactions.log(ca, kind="call", by=world.alice, summary="x", at="2026-06-01")
    crm.interactions.log(ca, kind="visit", by=world.alice, summary="x", at="2026-06-02")
    crm.interactions.log(cb, kind="call", by=world.bob, summary="x", at="2026-03-02")
    db.insert("tasks", customer_id=ca, title="t", due_at=NOW - DAY, assignee_id=a, status="open", created_at=0,
              updated_at=0)
    db.insert("tasks", customer_id=ca, title="t", due_at=ms("2026-06-30"), all_day=1, assignee_id=a, status="open",
              created_at=0, updated_at=0)                      # due today... the day ended at NOW: overdue
    db.insert("tasks", customer_id=ca, title="t", due_at=NOW + DAY, assignee_id=a, status="open", created_at=0,
              updated_at=0)
    db.insert("tasks", customer_id=cb, title="t", due_at=0, assignee_id=b, status="done", closed_at=ms("2026-06-01"),
              created_at=0, updated_at=0)
    db.insert("tickets", customer_id=cb, title="k", status="closed", opened_by=b, opened_at=ms("2026-06-01"),
              closed_by=a, closed_at=ms("2026-06-03"), satisfaction=4, updated_at=0)
    db.insert("tickets", customer_id=cb, title="k", status="closed", opened_by=b, opened_at=ms("2026-06-01"),
              closed_by=a, closed_at=ms("2026-06-04"), satisfaction=5, updated_at=0)
    db.insert("tickets", customer_id=ca, title="k", status="open", opened_by=a, opened_at=ms("2026-06-05"),
              updated_at=0)
    check(crm.reports.activity(by="owner"), [
        {"owner_id": a, "owner": "alice", "interactions": 2, "tasks_done": 0, "tasks_overdue": 2,
         "tickets_opened": 1, "tickets_closed": 2, "mean_satisfaction": 4.5},
        {"owner_id": b, "owner": "bob", "interactions": 1, "tasks_done": 1, "tasks_overdue": 0,
         "tickets_opened": 2, "tickets_closed": 0, "mean_satisfaction": None},
    ])
    check(crm.reports.activity(by="team"), [{"team_id": world.east1.id, "interactions": 3, "tickets_opened": 3}])
    check(crm.reports.activity(start="2026-05-01", owner=world.bob), [{"owner_id": b, "interactions": 0,
                                                                       "tickets_opened": 2}])
    # alice sees only activity on her customers
    check(crm.as_user(world.alice).reports.activity(), [{"owner_id": a, "interactions": 2, "tickets_closed": 0,
                                                          "tickets_opened": 1, "tasks_overdue": 2}])


def test_lifecycle_hand(world, crm):
    ids = customers(crm, [world.alice, world.bob], n=4)
    crm.clock.freeze("2026-02-01")
    crm.customers.set_stage(ids[0], "active")
    crm.customers.set_stage(ids[1], "active")
    crm.clock.freeze("2026-03-01")
    crm.customers.set_stage(ids[0], "loyal")
    crm.customers.set_stage(ids[1], "churned")
    crm.customers.set_stage(ids[2], "active")
    check(crm.reports.lifecycle(), [
        {"stage": "prospect", "customers": 1, "entered": 0, "left": 3},
        {"stage": "active", "customers": 1, "entered": 3, "left": 2},
        {"stage": "loyal", "customers": 1, "entered": 1, "left": 0},
        {"stage": "at_risk", "customers": 0, "entered": 0, "left": 0},
        {"stage": "churned", "customers": 1, "entered": 1, "left": 0},
    ])
    check(crm.reports.lifecycle_flows(start="2026-02-15"), [
        {"from_stage": "prospect", "to_stage": "active", "changes": 1, "customers": 1},
        {"from_stage": "active", "to_stage": "loyal", "changes": 1},
        {"from_stage": "active", "to_stage": "churned", "changes": 1},
    ])
    check(crm.reports.lifecycle_flows(owner=world.alice), [
        {"from_stage": "prospect", "to_stage": "active", "changes": 2, "customers": 2},
        {"from_stage": "active", "to_stage": "loyal", "changes": 1},
    ])


def test_approval_steps_hand(world, crm):
    db = Rows(crm)
    c = customers(crm, [world.alice])[0]
    opp = db.opportunity(c, world.alice.id, 1, [(STAGES[0], 0)], 0)
    t = ms("2026-06-01")
    # "manager": 25 decisions, 0 rejections, every wait 30h -> pure delay; "director": 1 rejection
    # of 2 decisions plus a pending one (waiting since 24h before now) and one skipped
    for i in range(25):
        r = db.request("opportunity_initiation", opp, t)
        db.step(r, 0, "manager", "approved", t, t + 30 * HOUR, escalated_at=(t + 1 if i < 3 else None))
    r1, r2, r3, r4 = (db.request("opportunity_initiation", opp, t) for _ in range(4))
    db.step(r1, 1, "director", "approved", t, t + 2 * HOUR)
    db.step(r2, 1, "director", "rejected", t, t + 4 * HOUR)
    db.step(r3, 1, "director", "pending", NOW - 24 * HOUR)
    db.step(r4, 1, "director", "skipped", t, t)
    rows = crm.reports.approval_steps().rows()
    assert [(r["workflow"], r["step"]) for r in rows] == [("opportunity_initiation", "manager"),
                                                          ("opportunity_initiation", "director")]
    m, d = rows
    total = 25 * 30 + 2 + 4 + 24
    assert (m["requests"], m["approved"], m["rejected"], m["escalations"]) == (25, 25, 0, 3)
    assert m["reject_rate"] == 0.0 and m["median_wait_hours"] == 30.0 and m["p90_wait_hours"] == 30.0
    assert m["pure_delay"] and m["bottleneck"] and math.isclose(m["wait_share"], 750 / total)
    assert (d["instances"], d["approved"], d["rejected"], d["pending"], d["skipped"]) == (4, 1, 1, 1, 1)
    assert d["reject_rate"] == 0.5 and d["skip_rate"] == 0.25
    assert d["median_wait_hours"] == 4.0 and math.isclose(d["p90_wait_hours"], 4 + 20 * 0.8)
    assert not d["pure_delay"] and not d["bottleneck"]
    # thresholds are parameters
    assert not crm.reports.approval_steps(min_decisions=26).rows()[0]["pure_delay"]
    assert not crm.reports.approval_steps(bottleneck_share=0.99).rows()[0]["bottleneck"]
    # scope: the requests are on alice's opportunity
    assert crm.as_user(world.bob).reports.approval_steps().rows() == []
    assert len(crm.as_user(world.alice).reports.approval_steps()) == 2
    assert len(crm.reports.approval_steps(where="amount > 5")) == 0


# ---------------------------------------------------------------------------------------------
# Bad input and empty data

def test_bad_input(world, crm):
    r = crm.reports
    with pytest.raises(crmkit.ValidationError) as e:
        r.conversion(by="colour")
    assert e.value.field == "by"
    for call in (lambda: r.win_rate(by="stage"), lambda: r.activity(by="source")):
        with pytest.raises(crmkit.ValidationError) as e:
            call()
        assert e.value.field == "by"
    with pytest.raises(crmkit.ValidationError) as e:
        r.funnel(start="2026-02-01", end="2026-01-01")
    assert e.value.field == "start"
    # day and week are periods too (local calendar); these are not.
    for call in (lambda: r.forecast(period="hour"), lambda: r.repurchase_rate(period="fortnight"),
                 lambda: r.conversion(by="period", period="Day")):
        with pytest.raises(crmkit.ValidationError) as e:
            call()
        assert e.value.field == "period"
    with pytest.raises(crmkit.ValidationError) as e:
        r.funnel(owner=99999)
    assert e.value.field == "owner"
    with pytest.raises(crmkit.ValidationError) as e:
        r.activity(team=99999)
    assert e.value.field == "team"
    with pytest.raises(crmkit.ValidationError) as e:
        r.funnel(start="not a date")
    assert e.value.field == "start"
    with pytest.raises(crmkit.ValidationError) as e:
        r.approval_steps(max_reject_rate=2)
    assert e.value.field == "max_reject_rate"
    with pytest.raises(crmkit.RuleSyntaxError):
        r.funnel(where="amount > 'x'")
    with pytest.raises(crmkit.RuleSyntaxError):
        r.repurchase_rate(where="no_such_field = 1")
    with pytest.raises(crmkit.RuleSyntaxError):
        r.conversion(where="status = 'maybe'")


EMPTY_COLUMNS = {
    "funnel": ["stage", "count", "amount", "weighted_amount", "reached", "conversion_to_next"],
    "velocity": ["open_opportunities", "win_rate", "avg_won_amount", "avg_cycle_days", "velocity"],
    "stage_durations": ["stage", "opportunities", "mean_days", "median_days", "p90_days"],
    "forecast": ["period", "period_start", "period_closed", "open_count", "pipeline_amount", "weighted_amount",
                 "won_count", "won_amount", "forecast"],
    "repurchase_rate": ["period", "period_start", "customers", "repeat_customers", "repurchase_rate"],
    "lifecycle_flows": ["from_stage", "to_stage", "changes", "customers"],
    "approval_steps": ["workflow", "step", "requests", "instances", "approved", "rejected", "skipped", "cancelled",
                       "pending", "reject_rate", "skip_rate", "escalations", "median_wait_hours", "p90_wait_hours",
                       "total_wait_hours", "wait_share", "pure_delay", "bottleneck"],
}


def test_empty_data_gives_the_columns_and_no_division_by_zero(mem_crm):
    r = mem_crm.reports
    for name, cols in EMPTY_COLUMNS.items():
        t = getattr(r, name)()
        assert t.columns == cols, name
    assert len(r.funnel()) == 6 and all(x["conversion_to_next"] is None for x in r.funnel().rows())
    assert r.velocity().rows() == [{"open_opportunities": 0, "win_rate": None, "avg_won_amount": None,
                                    "avg_cycle_days": None, "velocity": None}]
    for by in ("source", "owner", "team", "period"):
        assert len(r.conversion(by=by)) == 0
    assert r.conversion(by="owner").columns[:2] == ["owner_id", "owner"]
    assert len(r.activity()) == 0 and len(r.win_rate()) == 0 and len(r.repurchase_rate()) == 0
    df = r.velocity().to_pandas()
    assert math.isnan(df["win_rate"][0])


# ---------------------------------------------------------------------------------------------
# Random datasets against pandas

pd = pytest.importorskip("pandas")


def _random_pipeline(crm, org, seed, n_opps=300, n_leads=300):
    rnd = random.Random(seed)
    db = Rows(crm)
    owners = [org.alice.id, org.bob.id, org.carol.id, org.wang.id]
    cust = crm.customers.add_many([{"name": f"客户{i}", "owner": owners[i % 4], "source": rnd.choice(["官网", "展会", None])}
                                   for i in range(40)])
    opps, hist = [], []
    db.con.execute("BEGIN")
    for i in range(n_opps):
        created = ms("2025-06-01") + rnd.randrange(0, 380 * DAY)
        t = created
        path = [(STAGES[0], t)]
        for _ in range(rnd.randrange(0, 5)):
            t += rnd.choice([0, HOUR, rnd.randrange(1, 20 * DAY)])
            path.append((PROGRESS[rnd.randrange(0, 4)], min(t, NOW)))
        status = rnd.choice(["open", "open", "won", "lost"])
        if status != "open":
            t = min(t + rnd.randrange(0, 10 * DAY), NOW)
            path.append((WON if status == "won" else LOST, t))
        owner = rnd.choice(owners)
        prob = rnd.choice([None, None, 0.25])
        close = ms("2026-01-01") + rnd.randrange(-200, 300) * DAY if rnd.random() < 0.8 else None
        amount = rnd.randrange(1, 100000)
        c = rnd.choice(cust)
        oid = db.opportunity(c, owner, amount, path, created, status=status, probability=prob, close_date=close)
        opps.append(dict(id=oid, customer_id=c, owner_id=owner, amount=amount, status=status, probability=prob,
                         close_date=close, stage=path[-1][0], created_at=created,
                         closed_at=path[-1][1] if status != "open" else None))
        prev = None
        for j, (s, at) in enumerate(path):
            hist.append(dict(opportunity_id=oid, seq=j, to_stage=s, ts=at))
    leads = []
    for i in range(n_leads):
        created = ms("2025-06-01") + rnd.randrange(0, 380 * DAY)
        status = rnd.choice(["new", "qualified", "disqualified", "converted"])
        q = created + DAY if status in ("qualified", "converted") and rnd.random() < 0.8 else None
        conv = created + 2 * DAY if status == "converted" else None
        opp = rnd.choice(opps)["id"] if conv else None
        owner = rnd.choice(owners)
        src = rnd.choice(["官网", "展会", "转介绍", None])
        db.lead(src, owner, created, status=status, qualified_at=q, converted_at=conv, opportunity=opp)
        leads.append(dict(source=src, owner_id=owner, created_at=created, status=status, qualified_at=q,
                          converted_at=conv, opportunity_id=opp))
    db.con.execute("COMMIT")
    return pd.DataFrame(opps), pd.DataFrame(hist), pd.DataFrame(leads)


def _period_label(ts_ms, period):
    d = pd.to_datetime(ts_ms, unit="ms", utc=True)
    if period == "month":
        return d.dt.strftime("%Y-%m")
    if period == "quarter":
        return d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str)
    return d.dt.year.astype(str)


@pytest.fixture
def random_world(crm, org):
    crm.clock.freeze(dt.datetime(2026, 7, 1, tzinfo=UTC))
    o, h, l = _random_pipeline(crm, org, seed=7)
    return org, o, h, l


def _pd_funnel(o, h, start=None, owners=None):
    cohort = o if start is None else o[o.created_at >= start]
    if owners is not None:
        cohort = cohort[cohort.owner_id.isin(owners)]
    op = cohort[cohort.status == "open"].copy()
    op["p"] = op.probability.fillna(op.stage.map(PROB))
    hh = h[h.opportunity_id.isin(cohort.id)].copy()
    hh["rank"] = hh.to_stage.map({s: i for i, s in enumerate(PROGRESS)})
    top = hh.dropna(subset=["rank"]).groupby("opportunity_id")["rank"].max()
    reached = [int((top >= k).sum()) for k in range(len(PROGRESS))]
    out = []
    for i, s in enumerate(STAGES):
        sel = op[op.stage == s]
        row = {"stage": s, "count": len(sel), "amount": float(sel.amount.sum()),
               "weighted_amount": float((sel.amount * sel.p).sum())}
        if s == LOST:
            row.update(reached=int(hh[hh.to_stage == LOST].opportunity_id.nunique()), conversion_to_next=None)
        else:
            nxt = reached[i + 1] / reached[i] if i + 1 < len(PROGRESS) and reached[i] else None
            row.update(reached=reached[i], conversion_to_next=nxt)
        out.append(row)
    return out


def test_funnel_random_vs_pandas(random_world, crm):
    org, o, h, _ = random_world
    check(crm.reports.funnel(), _pd_funnel(o, h))
    start = ms("2026-01-01")
    check(crm.reports.funnel(start="2026-01-01", team=org.east1),
          _pd_funnel(o, h, start=start, owners=[org.alice.id, org.bob.id]))
    check(crm.as_user(org.wang).reports.funnel(), _pd_funnel(o, h, owners=[org.alice.id, org.bob.id, org.wang.id]))


def _pd_group(df, by, key, agg, sort_null_first=True):
    g = df.groupby(key, dropna=False).apply(agg, include_groups=False) if len(df) else pd.DataFrame()
    return g


def test_conversion_random_vs_pandas(random_world, crm):
    org, o, _, l = random_world
    won_ids = set(o[o.status == "won"].id)
    l = l.copy()
    l["q"] = l.qualified_at.notna() | l.converted_at.notna() | l.status.isin(["qualified", "converted"])
    l["c"] = l.converted_at.notna() | (l.status == "converted")
    l["w"] = l.c & l.opportunity_id.isin(won_ids)
    for by, key in (("source", "source"), ("owner", "owner_id"), ("period", "period")):
        d = l.copy()
        d["period"] = _period_label(d.created_at, "quarter")
        d[key] = d[key].astype(object).where(d[key].notna(), None)
        exp = []
        keys = sorted(d[key].dropna().unique())
        if d[key].isna().any():
            keys = [None] + keys
        for k in keys:
            sel = d[d[key].isna()] if k is None else d[d[key] == k]
            n, q, c, w = len(sel), int(sel.q.sum()), int(sel.c.sum()), int(sel.w.sum())
            exp.append({("owner_id" if by == "owner" else by): k, "leads": n, "qualified": q, "converted": c,
                        "won": w, "qualify_rate": q / n if n else None, "convert_rate": c / q if q else None,
                        "win_rate": w / c if c else None, "overall_rate": w / n if n else None})
        check(crm.reports.conversion(by=by, period="quarter"), exp)


def test_win_rate_and_velocity_random_vs_pandas(random_world, crm):
    org, o, _, _ = random_world
    start = ms("2026-01-01")
    closed = o[o.status.isin(["won", "lost"]) & (o.closed_at >= start)]
    exp = []
    for k in sorted(closed.owner_id.unique()):
        sel = closed[closed.owner_id == k]
        won = int((sel.status == "won").sum())
        exp.append({"owner_id": int(k), "won": won, "lost": len(sel) - won, "win_rate": won / len(sel),
                    "won_amount": float(sel[sel.status == "won"].amount.sum())})
    check(crm.reports.win_rate(by="owner", start="2026-01-01"), exp)
    won = closed[closed.status == "won"]
    rate = len(won) / len(closed)
    cycle = ((won.closed_at - won.created_at) / DAY).mean()
    open_n = int((o.status == "open").sum())
    check(crm.reports.velocity(start="2026-01-01"), [{
        "open_opportunities": open_n, "win_rate": rate, "avg_won_amount": won.amount.mean(),
        "avg_cycle_days": cycle, "velocity": open_n * rate * won.amount.mean() / cycle}])


def test_stage_durations_random_vs_pandas(random_world, crm):
    org, o, h, _ = random_world
    h = h.sort_values(["opportunity_id", "ts", "seq"]).copy()
    h["next_at"] = h.groupby("opportunity_id")["ts"].shift(-1)
    is_open = h.opportunity_id.map(o.set_index("id").status) == "open"
    h.loc[h.next_at.isna() & is_open, "next_at"] = NOW
    stays = h.dropna(subset=["next_at"])
    stays = stays[stays.ts >= ms("2025-10-01")]
    per = stays.assign(days=(stays.next_at - stays.ts) / DAY).groupby(["to_stage", "opportunity_id"]).days.sum()
    exp = []
    for s in STAGES:
        v = per[per.index.get_level_values(0) == s] if len(per) else pd.Series(dtype=float)
        exp.append({"stage": s, "opportunities": len(v), "mean_days": v.mean() if len(v) else None,
                    "median_days": v.median() if len(v) else None, "p90_days": v.quantile(0.9) if len(v) else None})
    check(crm.reports.stage_durations(start="2025-10-01"), exp)


def test_forecast_random_vs_pandas(random_world, crm):
    org, o, _, _ = random_world
    op = o[(o.status == "open") & o.close_date.notna()].copy()
    op["p"] = op.probability.fillna(op.stage.map(PROB))
    op["per"] = _period_label(op.close_date.astype("int64"), "quarter")
    wn = o[o.status == "won"].copy()
    wn["per"] = _period_label(wn.closed_at.astype("int64"), "quarter")
    exp = []
    for per in sorted(set(op.per) | set(wn.per)):
        a, b = op[op.per == per], wn[wn.per == per]
        y, q = int(per[:4]), int(per[-1])
        end = dt.datetime(y + (q == 4), (q % 4) * 3 + 1, 1, tzinfo=UTC).timestamp() * 1000
        closed = end <= NOW
        weighted = float((a.amount * a.p).sum())
        exp.append({"period": per, "open_count": len(a), "pipeline_amount": float(a.amount.sum()),
                    "weighted_amount": weighted, "won_count": len(b), "won_amount": float(b.amount.sum()),
                    "period_closed": closed, "forecast": float(b.amount.sum()) + (0 if closed else weighted)})
    check(crm.reports.forecast(period="quarter"), exp)


def test_repurchase_and_activity_random_vs_pandas(crm, org):
    crm.clock.freeze(dt.datetime(2026, 7, 1, tzinfo=UTC))
    rnd = random.Random(3)
    users = [org.alice, org.bob, org.carol]
    ids = crm.customers.add_many([{"name": f"c{i}", "owner": users[i % 3]} for i in range(30)])
    orders, inter = [], []
    for _ in range(200):
        c, at = rnd.choice(ids), ms("2025-01-01") + rnd.randrange(0, 540) * DAY
        crm.orders.add(c, amount=float(rnd.randrange(1, 1000)), at=dt.datetime.fromtimestamp(at / 1000, UTC))
        orders.append((c, at))
    for _ in range(150):
        c, u, at = rnd.choice(ids), rnd.choice(users), ms("2026-01-01") + rnd.randrange(0, 180) * DAY
        crm.interactions.log(c, kind="call", by=u, summary="s", at=dt.datetime.fromtimestamp(at / 1000, UTC))
        inter.append((c, u.id, at))
    df = pd.DataFrame(orders, columns=["c", "ts"])
    first = df.groupby("c").ts.min()
    df["per"] = _period_label(df.ts, "month")
    df["start"] = [ms(p + "-01") for p in df.per]
    win = df[df.ts >= ms("2025-06-01")]
    exp = []
    for per, g in win.groupby("per"):
        buyers = g.drop_duplicates("c")
        rep = int((buyers.c.map(first) < buyers.start).sum())
        exp.append({"period": per, "customers": len(buyers), "repeat_customers": rep,
                    "repurchase_rate": rep / len(buyers)})
    check(crm.reports.repurchase_rate(period="month", start="2025-06-01"), exp)
    it = pd.DataFrame(inter, columns=["c", "u", "ts"])
    it = it[it.ts < ms("2026-04-01")]
    counts = it.groupby("u").size()
    check(crm.reports.activity(end="2026-04-01"), [{"owner_id": int(u), "interactions": int(n)}
                                                   for u, n in counts.sort_index().items()])
    # a customer rule narrows the customers whose activity counts
    owned = {i for k, i in enumerate(ids) if k % 3 == 0}
    sub = it[it.c.isin(owned)].groupby("u").size()
    check(crm.reports.activity(end="2026-04-01", where=f"owner = {org.alice.id}"),
          [{"owner_id": int(u), "interactions": int(n)} for u, n in sub.sort_index().items()])


def test_approval_steps_random_vs_pandas(crm, org):
    crm.clock.freeze(dt.datetime(2026, 7, 1, tzinfo=UTC))
    rnd = random.Random(11)
    db = Rows(crm)
    c = customers(crm, [org.alice])[0]
    opp = db.opportunity(c, org.alice.id, 1, [(STAGES[0], 0)], 0)
    rows = []
    names = {"wf_a": ["manager", "director", "finance"], "wf_b": ["lead", "legal"]}
    db.con.execute("BEGIN")
    for _ in range(400):
        wf = rnd.choice(list(names))
        r = db.request(wf, opp, 0)
        for i, step in enumerate(names[wf]):
            started = ms("2026-01-01") + rnd.randrange(0, 170 * 24) * HOUR
            status = rnd.choice(["approved"] * 6 + ["rejected", "skipped", "cancelled", "pending"])
            ended = None if status == "pending" else started + rnd.randrange(0, 96) * HOUR
            esc = started + 1 if rnd.random() < 0.1 else None
            db.step(r, i, step, status, started, ended, esc)
            rows.append(dict(wf=wf, step=step, idx=i, req=r, status=status, started=started, ended=ended,
                             esc=esc is not None))
    db.con.execute("COMMIT")
    df = pd.DataFrame(rows)
    df = df[df.started >= ms("2026-02-01")]
    df["wait"] = ((df.ended.where(df.status != "pending", NOW) - df.started) / HOUR).where(
        df.status.isin(["approved", "rejected", "pending"]))
    exp = []
    for wf in sorted(names):
        g = df[df.wf == wf]
        total = g.wait.sum()
        shares = {s: g[g.step == s].wait.sum() / total for s in names[wf]}
        for s in names[wf]:
            x = g[g.step == s]
            dec = int(x.status.isin(["approved", "rejected"]).sum())
            rej = int((x.status == "rejected").sum())
            w = x.wait.dropna()
            rr = rej / dec if dec else None
            exp.append({"workflow": wf, "step": s, "requests": x.req.nunique(), "instances": len(x),
                        "rejected": rej, "pending": int((x.status == "pending").sum()),
                        "reject_rate": rr, "skip_rate": float((x.status == "skipped").mean()),
                        "escalations": int(x.esc.sum()), "median_wait_hours": w.median(),
                        "p90_wait_hours": w.quantile(0.9), "total_wait_hours": w.sum(), "wait_share": shares[s],
                        "pure_delay": bool(dec >= 20 and rr is not None and rr < 0.1 and w.median() > 40),
                        "bottleneck": bool(shares[s] == max(shares.values()) and shares[s] >= 0.3)})
    check(crm.reports.approval_steps(start="2026-02-01", max_reject_rate=0.1, min_median_wait_hours=40,
                                     bottleneck_share=0.3), exp)
