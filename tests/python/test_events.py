"""crm.events: the change feed, read by cursor, as a webhook deliverer or a search-index sync would."""

import json
import subprocess
import sys
import textwrap

import pytest

import crmkit


def drain(crm, cursor=0, limit=100):
    """Every event after `cursor`, page by page, the way an app would read the feed."""
    out = []
    while True:
        page = crm.events.since(cursor=cursor, limit=limit).rows()
        if not page:
            return out
        cursor = page[-1]["id"]
        out.extend(page)


def test_since_returns_a_table_with_the_contract_columns(crm):
    c = crm.customers.add(name="上海某某科技有限公司", tags=["VIP"], fields={})
    t = crm.events.since()
    assert isinstance(t, crmkit.Table)
    assert t.columns == ["id", "at", "kind", "entity", "entity_id", "customer_id", "payload"]
    (row,) = t.rows()
    assert (row["kind"], row["entity"], row["entity_id"]) == ("created", "customer", c.id)
    assert json.loads(row["payload"]) == {"fields": ["kind", "name", "stage", "tags"]}
    assert row["at"].tzinfo is not None


def test_events_follow_commit_order_and_name_the_changed_fields(crm):
    crm.clock.freeze("2026-01-01T09:00")
    a = crm.customers.add(name="甲")
    b = crm.customers.add(name="乙")
    crm.customers.update(a.id, industry="制造", phone="021-5555 0000")
    crm.customers.set_stage(b.id, "active")
    crm.customers.untag(a.id, "nothing")  # changes nothing: no event
    crm.customers.delete(b.id)
    events = drain(crm, limit=2)
    assert [(e["kind"], e["entity_id"]) for e in events] == [
        ("created", a.id), ("created", b.id), ("updated", a.id), ("updated", b.id), ("deleted", b.id)]
    assert json.loads(events[2]["payload"])["fields"] == ["industry", "phone"]
    assert json.loads(events[3]["payload"])["fields"] == ["stage"]
    # Field names only: no values (no personal data) in any payload.
    assert all("021" not in e["payload"] and "甲" not in e["payload"] for e in events)
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))


def test_cursor_paging_has_no_gaps_or_duplicates(crm):
    ids = crm.customers.add_many([{"name": f"客户{i}"} for i in range(1234)])
    for i in ids[:100:7]:
        crm.customers.tag(i, "VIP")
    events = drain(crm, limit=100)
    assert len(events) == 1234 + len(ids[:100:7])
    seen = [e["id"] for e in events]
    assert len(set(seen)) == len(seen)
    assert seen == list(range(seen[0], seen[0] + len(seen)))
    assert crm.events.latest() == seen[-1]
    assert len(crm.events.since(cursor=crm.events.latest())) == 0


def test_rolled_back_transactions_and_savepoints_leave_no_events(crm):
    a = crm.customers.add(name="甲")
    start = crm.events.latest()
    with pytest.raises(RuntimeError):
        with crm.transaction():
            crm.customers.tag(a.id, "VIP")
            crm.customers.add(name="乙")
            raise RuntimeError("undo")
    assert drain(crm, start) == []
    # A failing bulk call inside a kept transaction: its savepoint's events go, the rest stay.
    with crm.transaction():
        crm.customers.tag(a.id, "kept")
        with pytest.raises(crmkit.ValidationError):
            crm.customers.add_many([{"name": "好"}, {"name": "  "}])
    events = drain(crm, start)
    assert [(e["kind"], e["entity_id"]) for e in events] == [("updated", a.id)]
    assert json.loads(events[0]["payload"]) == {"fields": ["tags"]}


def test_relationship_and_pipeline_writes_are_events_of_their_customer(org):
    crm = org.crm
    c = crm.customers.add(name="甲", owner=org.alice)
    start = crm.events.latest()
    crm.interactions.log(c, kind="call", by=org.alice, summary="确认需求")
    crm.orders.add(c, amount=100.0)
    opp = crm.opportunities.add(customer=c, title="ERP项目", amount=1000, owner=org.alice)
    crm.opportunities.update(opp.id, amount=2000)
    crm.groups.add("展会名单")
    crm.groups.add_members("展会名单", [c.id])
    events = drain(crm, start)
    assert [e["entity"] for e in events] == ["interaction", "order", "opportunity", "opportunity", "customer"]
    assert {e["customer_id"] for e in events} == {c.id}
    assert json.loads(events[3]["payload"])["fields"] == ["amount"]
    assert json.loads(events[4]["payload"])["fields"] == ["groups"]


def test_scoped_views_see_only_events_in_their_scope(org, owned):
    alice = org.crm.as_user(org.alice)
    seen = {e["entity_id"] for e in drain(alice)}
    assert owned["alice"].id in seen
    assert owned["bob"].id not in seen and owned["pool"].id not in seen
    wang = org.crm.as_user(org.wang)  # team scope: zhang, wang, alice, bob
    seen = {e["entity_id"] for e in drain(wang)}
    assert {owned[k].id for k in ("zhang", "wang", "alice", "bob")} <= seen
    assert owned["carol"].id not in seen
    assert len(drain(org.crm)) == len(owned)


@pytest.mark.parametrize("kwargs, field", [
    ({"cursor": -1}, "cursor"),
    ({"limit": 0}, "limit"),
    ({"limit": 10 ** 6}, "limit"),
    ({"cursor": 10 ** 9}, "cursor"),
])
def test_bad_arguments_raise_validation_errors_naming_them(crm, kwargs, field):
    crm.customers.add(name="甲")
    with pytest.raises(crmkit.ValidationError) as e:
        crm.events.since(**kwargs)
    assert e.value.field == field


def test_a_second_process_writes_are_seen_by_the_segment_store_and_the_feed(crm, db_path):
    crm.customers.add(name="甲")
    seg = crm.segments.define("vip", 'has_tag("VIP")')
    assert seg.count() == 0
    start = crm.events.latest()
    script = textwrap.dedent(f"""
        import crmkit
        crm = crmkit.open({str(db_path)!r})
        crm.customers.add_many([{{"name": "乙", "tags": ["VIP"]}}, {{"name": "丙", "tags": ["VIP"]}}])
        crm.close()
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    assert seg.count() == 2
    assert [e["kind"] for e in drain(crm, start)] == ["created", "created"]


def _task_events(crm, start):
    return [(e["kind"], e["entity_id"], e["customer_id"], json.loads(e["payload"])["fields"])
            for e in drain(crm, start) if e["entity"] == "task"]


def test_tasks_are_events_of_their_customer(org):
    crm = org.crm
    crm.clock.freeze("2026-01-05T09:00:00Z")
    c = crm.customers.add(name="乙", owner=org.alice, tags=["VIP"])
    start = crm.events.latest()
    t = crm.tasks.add(c, "回访报价", due="2026-01-10", assignee=org.alice)
    crm.tasks.reassign(t, org.bob)
    crm.tasks.complete(t)
    assert _task_events(crm, start) == [
        ("created", t.id, c.id, ["assignee_id", "due_at", "kind", "status", "title"]),
        ("updated", t.id, c.id, ["assignee_id"]),
        ("updated", t.id, c.id, ["closed_at", "status"])]
    # The tasks a revisit plan creates in one statement are events too.
    crm.segments.define("vip", 'has_tag("VIP")')
    crm.revisits.plan("vip_monthly", segment="vip", every_days=30, assignee="owner")
    start = crm.events.latest()
    created = crm.revisits.run()  # the new task ids
    assert created and [(k, i, cid) for k, i, cid, _ in _task_events(crm, start)] == \
        [("created", i, c.id) for i in created]


def test_the_pools_reminders_and_their_withdrawal_are_events(org):
    crm = org.crm
    crm.clock.freeze("2026-01-05T09:00:00Z")
    crm.pool.set_rules(idle_days=30, no_deal_days=0, warn_days=3, exempt_won=False)
    c = crm.customers.add(name="丙", owner=org.alice)
    crm.clock.advance(days=28)  # due in two days: inside the warning window
    start = crm.events.latest()
    assert crm.pool.reclaim_idle() == []
    (created,) = _task_events(crm, start)
    assert created[0] == "created" and created[2] == c.id
    crm.clock.advance(days=3)
    start = crm.events.latest()
    assert crm.pool.reclaim_idle() == [c.id]
    assert _task_events(crm, start) == [("updated", created[1], c.id, ["closed_at", "status"])]


def test_a_new_time_zone_moves_all_day_tasks_as_events(org):
    crm = org.crm
    crm.clock.freeze("2026-01-05T09:00:00Z")
    c = crm.customers.add(name="丁", owner=org.alice)
    day = crm.tasks.add(c, "年度回访", due="2026-02-01", assignee=org.alice)  # a date: all day
    timed = crm.tasks.add(c, "电话", due="2026-02-01T10:00:00Z", assignee=org.alice)
    assert day.all_day and not timed.all_day
    start = crm.events.latest()
    crm.timezone = "Asia/Shanghai"
    assert _task_events(crm, start) == [("updated", day.id, c.id, ["due_at"])]


def test_approvals_are_events_of_their_record_and_its_customer(org):
    # A webhook for "a deal's approval ended" reads the request's events; a mirror of
    # opportunities sees the lock come and go.
    crm = org.crm
    crm.workflows.define({"name": "deal", "entity": "opportunity", "trigger": {"on": "submit"},
                          "steps": [{"name": "manager", "approvers": "owner.manager"},
                                    {"name": "director", "approvers": {"users": ["zhang"]}}]})
    c = crm.customers.add(name="甲", owner=org.alice)
    opp = crm.opportunities.add(customer=c, title="ERP项目", amount=1000, owner=org.alice)
    start = crm.events.latest()
    req = crm.approvals.submit("opportunity", opp, workflow="deal", by=org.alice)
    submitted = drain(crm, start)
    assert {(e["kind"], e["entity"], e["entity_id"]) for e in submitted} == {
        ("created", "approval_request", req.id), ("updated", "opportunity", opp.id)}
    assert {e["customer_id"] for e in submitted} == {c.id}
    by_entity = {e["entity"]: json.loads(e["payload"])["fields"] for e in submitted}
    assert by_entity["opportunity"] == ["locked_by_request"]
    assert "status" in by_entity["approval_request"]

    mid = crm.events.latest()
    crm.approvals.approve(req, by=org.wang)
    (step,) = drain(crm, mid)
    assert (step["kind"], step["entity"], step["entity_id"]) == ("updated", "approval_request", req.id)
    assert "current_step" in json.loads(step["payload"])["fields"]
    assert "status" not in json.loads(step["payload"])["fields"]  # still pending

    # A decision that fails changes nothing, and so leaves no event.
    before = crm.events.latest()
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(req, by=org.bob)
    assert crm.events.latest() == before

    crm.approvals.approve(req, by=org.zhang)
    ended = drain(crm, before)
    fields = {e["entity"]: json.loads(e["payload"])["fields"] for e in ended}
    assert set(fields) == {"approval_request", "opportunity"}
    assert {"status", "ended_at"} <= set(fields["approval_request"])
    assert crm.opportunities.get(opp.id).locked_by_request is None


def test_a_customers_approval_lock_is_an_event_seen_in_the_owners_scope(org):
    crm = org.crm
    crm.workflows.define({"name": "big_customer", "entity": "customer", "trigger": {"on": "submit"},
                          "steps": [{"name": "manager", "approvers": "owner.manager"}]})
    c = crm.customers.add(name="乙", owner=org.alice)
    other = crm.customers.add(name="丙", owner=org.carol)
    start = crm.events.latest()
    req = crm.approvals.submit("customer", c, workflow="big_customer", by=org.alice)
    events = drain(crm, start)
    assert {(e["entity"], e["entity_id"]) for e in events} == {("approval_request", req.id), ("customer", c.id)}
    lock = next(e for e in events if e["entity"] == "customer")
    assert json.loads(lock["payload"])["fields"] == ["locked_by_request"]
    # The request's events are the customer's: its owner sees them, a rep elsewhere does not.
    assert {e["entity"] for e in drain(crm.as_user(org.alice), start)} == {"approval_request", "customer"}
    assert drain(crm.as_user(org.carol), start) == []
    assert other.id != c.id


@pytest.mark.parametrize("call, field, message", [
    (lambda crm: crm.events.since(-1), "cursor", "cursor must not be negative (got -1)"),
    (lambda crm: crm.events.since(0, limit=0), "limit", "limit must be at least 1 (got 0)"),
    (lambda crm: crm.events.since(0, limit=10_001), "limit", "limit must be at most 10000 (got 10001)"),
    (lambda crm: crm.customers.search("甲", limit=0), "limit", "limit must be at least 1 (got 0)"),
])
def test_paging_arguments_are_refused_in_the_words_of_every_list(mem_crm, call, field, message):
    with pytest.raises(crmkit.ValidationError) as e:
        call(mem_crm)
    assert str(e.value) == message
    assert e.value.field == field
