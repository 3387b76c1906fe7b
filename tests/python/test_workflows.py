"""Approval workflows: definitions and validation, the engine, delegation, SLAs, simulation,
the hash-chained ledger, and two processes deciding the same step at once."""

import copy
import multiprocessing
import sqlite3

import pytest

import crmkit

INITIATION = {
    "name": "opportunity_initiation", "entity": "opportunity",
    "trigger": {"on": "stage_enter", "stage": "需求确认"},
    "when": "amount >= 100000",
    "steps": [
        {"name": "manager", "approvers": "owner.manager", "mode": "any"},
        {"name": "director", "approvers": {"role": "director"}, "when": "amount >= 1000000",
         "mode": "all", "sla_hours": 48, "escalate_to": "approver.manager"},
        {"name": "finance", "approvers": {"role": "finance"}, "mode": "quorum", "quorum": 2}],
    "on_approve": {"advance": True}, "on_reject": {"stage": "初步接洽"}}


@pytest.fixture
def wf(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    org.fin1 = crm.users.add("fin1", name="财务一", role="finance")
    org.fin2 = crm.users.add("fin2", name="财务二", role="finance")
    org.root = crm.users.add("root", name="管理员", role="admin")
    org.deputy = crm.users.add("deputy", name="副经理", role="manager", team=org.sales, manager=org.zhang)
    org.customer = crm.customers.add(name="客户", owner=org.alice)
    crm.workflows.define(INITIATION)
    return org


def opportunity(org, amount, owner=None):
    return org.crm.opportunities.add(customer=org.customer, title="ERP项目", amount=amount, owner=owner or org.alice)


def started(org, amount):
    opp = opportunity(org, amount)
    opp = org.crm.opportunities.advance(opp.id, "需求确认", by=org.alice)
    assert opp.locked
    return opp, org.crm.approvals.get(opp.locked_by_request)


def variant(**changes):
    d = copy.deepcopy(INITIATION)
    d.update(changes)
    return d


# ---------------------------------------------------------------------------------------------
# Definitions


def test_validate_reports_problems_with_paths(wf):
    v = wf.crm.workflows.validate
    assert v(INITIATION) == [] or all("overlaps" not in p.message for p in v(INITIATION))
    assert v("{not json")[0].path == "$"
    assert v(42)[0].path == "$"
    paths = {p.path for p in v(variant(entity="invoice"))}
    assert "$.entity" in paths
    bad = copy.deepcopy(INITIATION)
    bad["steps"][2]["approvers"] = {"role": "auditor"}
    bad["steps"][1]["name"] = "manager"
    bad["steps"][0]["approvers"] = "owner.boss"
    bad["when"] = "amount >= \"x\""
    problems = {p.path: p.message for p in v(variant(name="other", **{k: bad[k] for k in ("steps", "when")}))}
    assert "unknown role 'auditor'" in problems["$.steps[2].approvers"]
    assert "duplicate step name" in problems["$.steps[1].name"]
    assert "unknown approver expression 'owner.boss'" in problems["$.steps[0].approvers"]
    assert "does not type-check" in problems["$.when"]
    empty = copy.deepcopy(INITIATION)
    empty["steps"][0]["approvers"] = "owner.manager^5"
    assert any("empty for every possible record" in p.message for p in v(empty))
    big = copy.deepcopy(INITIATION)
    big["steps"][2]["quorum"] = 3
    assert any(p.path == "$.steps[2].quorum" and "larger than the approver set" in p.message for p in v(big))
    unreachable = copy.deepcopy(INITIATION)
    unreachable["steps"][1]["when"] = "amount < 50000"
    assert any(p.path == "$.steps[1].when" and "unreachable" in p.message for p in v(unreachable))
    cycle = variant(on_reject={"stage": "需求确认"})
    assert any(p.path == "$.on_reject.stage" and "cycle" in p.message for p in v(cycle))
    own = copy.deepcopy(INITIATION)
    own["steps"][0]["approvers"] = "owner"
    assert any("own request" in p.message for p in v(own))


def test_define_refuses_unsound_and_overlapping(wf):
    crm = wf.crm
    with pytest.raises(crmkit.WorkflowError) as e:
        crm.workflows.define(variant(name="x", entity="invoice"))
    assert "$.entity" in str(e.value)
    overlapping = variant(name="big_deals", when="amount >= 300000")
    with pytest.raises(crmkit.WorkflowError) as e:
        crm.workflows.define(overlapping)
    assert "opportunity_initiation" in str(e.value) and "may hold" not in str(e.value) or "amount" in str(e.value)
    crm.workflows.define(variant(when="amount >= 100000 and amount < 5000000"))
    problems = crm.workflows.validate(overlapping)
    assert any("amount in [300000, 5000000)" in p.message for p in problems)
    with pytest.raises(crmkit.PermissionDenied):
        crm.as_user(wf.alice).workflows.define(variant(name="mine"))


def test_editing_a_definition_makes_a_version_running_requests_keep_theirs(wf):
    crm = wf.crm
    opp, req = started(wf, 200000)
    changed = copy.deepcopy(INITIATION)
    changed["steps"][0]["approvers"] = {"users": ["fin1"]}
    assert crm.workflows.define(changed).version == 2
    assert crm.approvals.get(req).workflow_version == 1
    crm.approvals.approve(req, by=wf.wang)           # version 1 still routes to the manager
    assert crm.approvals.get(req).current_step == "finance"


# ---------------------------------------------------------------------------------------------
# The engine


def test_initiation_end_to_end(wf):
    crm = wf.crm
    opp, req = started(wf, 2000000)
    assert (req.status, req.current_step, req.round, req.submitter_id) == ("pending", "manager", 1, wf.alice.id)
    with pytest.raises(crmkit.Conflict):
        crm.opportunities.update(opp.id, amount=1)
    with pytest.raises(crmkit.Conflict):
        crm.opportunities.win(opp.id)
    assert crm.opportunities.get(opp).amount == 2000000.0
    assert [r["request_id"] for r in crm.approvals.inbox(wf.wang)] == [req.id]
    assert len(crm.approvals.inbox(wf.bob)) == 0
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(req)                      # the system view names nobody
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(req, by=wf.bob)           # not an approver
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(req, by=wf.alice)         # own request
    with pytest.raises(crmkit.PermissionDenied):
        crm.as_user(wf.bob).approvals.inbox(wf.wang)
    r = crm.as_user(wf.wang).approvals.approve(req, comment="同意")
    assert r.current_step == "director"
    with pytest.raises(crmkit.Conflict):
        crm.approvals.approve(req, by=wf.wang)          # that step is no longer current
    crm.approvals.approve(req, by=wf.zhang)
    assert crm.approvals.get(req).current_step == "finance"
    crm.approvals.approve(req, by=wf.fin1)
    done = crm.approvals.approve(req, by=wf.fin2, comment="同意")
    assert (done.status, done.current_step) == ("approved", None)
    after = crm.opportunities.get(opp)
    assert (after.stage, after.locked) == ("方案报价", False)
    with pytest.raises(crmkit.Conflict):
        crm.approvals.approve(req, by=wf.fin1)
    kinds = [row["kind"] for row in done.history()]
    assert kinds[0] == "submit" and kinds[-1] == "approved"
    assert kinds.count("approve") == 4
    trace = done.steps().rows()[0]["trace"]
    assert "owner.manager" in trace and "alice" in trace


def test_reject_resubmit_recall(wf):
    crm = wf.crm
    opp, req = started(wf, 200000)
    crm.approvals.approve(req, by=wf.wang)
    assert [s["status"] for s in req.steps()][1] == "skipped"
    r = crm.approvals.reject(req, by=wf.fin1, comment="预算不足")
    assert r.status == "rejected"
    assert crm.opportunities.get(opp).stage == "初步接洽"
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.resubmit(req, by=wf.bob)
    again = crm.approvals.resubmit(req, by=wf.alice)
    assert (again.status, again.round, again.current_step) == ("pending", 2, "manager")
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.recall(req, by=wf.wang)
    assert crm.approvals.recall(req, by=wf.alice).status == "recalled"
    assert not crm.opportunities.get(opp).locked
    crm.approvals.resubmit(req, by=wf.alice)
    crm.approvals.approve(req, by=wf.wang)
    crm.approvals.approve(req, by=wf.fin1)
    assert crm.approvals.approve(req, by=wf.fin2).status == "approved"
    with pytest.raises(crmkit.WorkflowError):
        crm.approvals.resubmit(req, by=wf.alice)
    assert crm.approvals.get(req).round == 3


def test_approve_many_reports_each(wf):
    crm = wf.crm
    reqs = [started(wf, 200000)[1] for _ in range(3)]
    crm.approvals.recall(reqs[1], by=wf.alice)
    results = crm.approvals.approve_many([reqs[0], reqs[1].id, reqs[2], 9999], by=wf.wang)
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[1].error == "Conflict" and results[3].error == "NotFound"
    assert crm.approvals.get(reqs[0]).current_step == "finance"


def test_approve_many_is_one_transaction_with_a_savepoint_per_request(wf):
    crm = wf.crm
    reqs = [started(wf, 200000)[1] for _ in range(4)]
    crm.approvals.approve(reqs[2], by=wf.wang)                 # now at finance
    before = {r.id: len(crm.approvals.get(r).history()) for r in reqs}
    head = crm.audit.head()
    results = crm.approvals.approve_many([r.id for r in reqs], by=wf.wang, comment="批量同意", step="manager")
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[2].error == "Conflict" and "no longer current" in results[2].message
    assert [r.current_step for r in results if r.ok] == ["finance"] * 3
    after = {r.id: crm.approvals.get(r).history() for r in reqs}
    # the refused request gained no entry; each decided one its approve, the skip and the next step
    assert len(after[reqs[2].id]) == before[reqs[2].id]
    for r in (reqs[0], reqs[1], reqs[3]):
        kinds = after[r.id].column("kind")[before[r.id]:]
        assert kinds == ["approve", "skip", "step"]       # director skipped below 1,000,000
        assert after[r.id].column("comment")[before[r.id]] == "批量同意"
    v = crm.audit.verify(expected_head=None)
    assert v.ok and v.entries > 0 and crm.audit.head() != head
    # an approver acts once per step: a second batch reports Conflict for each and writes nothing
    again = crm.approvals.approve_many([reqs[0], reqs[1]], by=wf.wang, step="manager")
    assert [r.error for r in again] == ["Conflict", "Conflict"]
    assert crm.audit.verify().entries == v.entries


def test_approve_many_checks_its_arguments_before_writing(wf):
    crm = wf.crm
    req = started(wf, 200000)[1]
    head = crm.audit.head()
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve_many([req])                        # the system view names nobody
    assert crm.approvals.approve_many([], by=wf.wang) == []
    res = crm.approvals.approve_many([req], by=wf.alice)         # the submitter
    assert res[0].error == "PermissionDenied" and "own request" in res[0].message
    assert crm.audit.head() == head and crm.approvals.get(req).current_step == "manager"


def test_delegation(wf):
    crm = wf.crm
    opp, req = started(wf, 200000)
    crm.approvals.delegate(wf.wang, to=wf.deputy, start="2026-01-01", end="2026-01-08")
    with pytest.raises(crmkit.WorkflowError) as e:
        crm.approvals.delegate(wf.deputy, to=wf.wang, start="2026-01-02", end="2026-01-03")
    assert "loop" in str(e.value)
    rows = crm.approvals.inbox(wf.deputy).rows()
    assert [(r["request_id"], r["on_behalf_of"]) for r in rows] == [(req.id, wf.wang.id)]
    crm.approvals.approve(req, by=wf.deputy, comment="代批")
    entry = [h for h in req.history() if h.kind == "approve"][0]
    assert (entry.actor_id, entry.on_behalf_of) == (wf.deputy.id, wf.wang.id)
    crm.clock.advance(days=8)
    assert len(crm.approvals.inbox(wf.deputy)) == 0


def test_escalation_by_the_clock(wf):
    crm = wf.crm
    opp, req = started(wf, 2000000)
    crm.approvals.approve(req, by=wf.wang)
    assert len(crm.approvals.escalate_overdue()) == 0
    crm.clock.advance(hours=49)
    esc = crm.approvals.escalate_overdue().rows()
    assert len(esc) == 1 and esc[0]["action"] == "escalated"
    assert esc[0]["users"] == ["root"]              # directors have no manager: an admin, not a silent approval
    assert len(crm.approvals.escalate_overdue()) == 0
    assert [h.kind for h in req.history()][-1] == "escalate"
    assert crm.approvals.approve(req, by=wf.root).current_step == "finance"


def test_reapproval_when_amount_grows(wf):
    crm = wf.crm
    crm.fields.add("opportunity", "discount", type="number", min=0, max=1)
    crm.workflows.define({"name": "discounts", "entity": "opportunity",
                          "trigger": {"on": "field_change", "when": "discount > 0.2"},
                          "steps": [{"name": "manager", "approvers": "owner.manager"}],
                          "reapprove_on": {"amount": "increase > 10%"}})
    opp = opportunity(wf, 1000)
    opp = crm.opportunities.update(opp.id, fields={"discount": 0.3}, by=wf.alice)
    assert opp.locked
    req = crm.approvals.get(opp.locked_by_request)
    crm.approvals.approve(req, by=wf.wang)
    assert not crm.opportunities.update(opp.id, amount=1050).locked
    grown = crm.opportunities.update(opp.id, amount=1200)
    assert grown.locked_by_request == req.id
    assert (crm.approvals.get(req).round, crm.approvals.get(req).status) == (2, "pending")


def test_simulate_and_replay_write_nothing(wf):
    crm = wf.crm
    route = crm.workflows.simulate("opportunity_initiation", {"amount": 2000000, "owner": wf.alice})
    assert route.applies
    assert [s.name for s in route.steps if s.runs] == ["manager", "director", "finance"]
    assert route.steps[0].approvers[0].login == "wang"
    assert route.steps[1].sla_hours == 48 and route.steps[1].escalate_to == "approver.manager"
    small = crm.workflows.simulate("opportunity_initiation", {"amount": 200000, "owner": wf.alice})
    assert not small.steps[1].runs and "amount >= 1000000" in small.steps[1].reason
    opportunity(wf, 2000000)
    opportunity(wf, 200000, owner=wf.bob)
    opportunity(wf, 5)
    head = crm.audit.head()
    res = crm.workflows.replay(INITIATION, where="amount > 0")
    assert (res.records, res.requests) == (3, 2)
    assert {r["step"]: (r["requests"], r["skipped"]) for r in res.per_step} == {
        "manager": (2, 0), "director": (1, 1), "finance": (2, 0)}
    assert {r["login"]: r["requests"] for r in res.per_approver}["wang"] == 2
    assert crm.audit.head() == head and len(crm.approvals.list()) == 0


# ---------------------------------------------------------------------------------------------
# The ledger


def test_verify_names_tampering(wf, db_path):
    crm = wf.crm
    for _ in range(2):
        _, req = started(wf, 200000)
        crm.approvals.approve(req, by=wf.wang)
    v = crm.audit.verify()
    assert v.ok and v.first_bad is None and v.entries >= 8
    head = crm.audit.head()
    assert v.head == head
    raw = sqlite3.connect(str(db_path), isolation_level=None)

    raw.execute("UPDATE approval_ledger SET comment = 'forged' WHERE id = 4")
    v = crm.audit.verify()
    assert (v.ok, v.first_bad) == (False, 4) and "edited" in v.reason
    raw.execute("UPDATE approval_ledger SET comment = NULL WHERE id = 4")
    assert crm.audit.verify().ok

    saved = raw.execute("SELECT * FROM approval_ledger WHERE id = 3").fetchone()
    raw.execute("DELETE FROM approval_ledger WHERE id = 3")
    v = crm.audit.verify()
    assert (v.ok, v.first_bad) == (False, 4) and "deleted" in v.reason
    raw.execute(f"INSERT INTO approval_ledger VALUES ({','.join('?' * len(saved))})", saved)
    assert crm.audit.verify(expected_head=head).ok

    raw.executescript("UPDATE approval_ledger SET id = -1 WHERE id = 5; UPDATE approval_ledger SET id = 5 WHERE id = 6;"
                      "UPDATE approval_ledger SET id = 6 WHERE id = -1;")
    v = crm.audit.verify()
    assert (v.ok, v.first_bad) == (False, 5)
    raw.executescript("UPDATE approval_ledger SET id = -1 WHERE id = 5; UPDATE approval_ledger SET id = 5 WHERE id = 6;"
                      "UPDATE approval_ledger SET id = 6 WHERE id = -1;")

    last = crm.audit.verify().entries
    raw.execute("DELETE FROM approval_ledger WHERE id = ?", (last,))
    assert crm.audit.verify().ok                      # a shorter chain is still a chain ...
    v = crm.audit.verify(expected_head=head)          # ... but not the one whose head was kept
    assert (v.ok, v.first_bad) == (False, last) and "expected head" in v.reason
    raw.close()


# ---------------------------------------------------------------------------------------------
# Two processes deciding the same step at once


def _decide(path, request_id, user_id, barrier, results):
    crm = crmkit.open(path)
    barrier.wait()
    try:
        crm.approvals.approve(request_id, by=user_id)
        results.put(("ok", user_id, ""))
    except crmkit.Conflict as e:
        results.put(("Conflict", user_id, str(e)))
    except Exception as e:  # reported to the parent, which fails the test with it
        results.put((type(e).__name__, user_id, str(e)))
    finally:
        crm.close()


def test_two_processes_decide_the_same_step(wf, db_path):
    crm = wf.crm
    crm.workflows.define({"name": "either", "entity": "opportunity", "trigger": {"on": "submit"},
                          "steps": [{"name": "check", "approvers": {"users": ["wang", "deputy"]}, "mode": "any"},
                                    {"name": "finance", "approvers": {"role": "finance"}}]})
    opp = opportunity(wf, 10)
    req = crm.approvals.submit("opportunity", opp, workflow="either", by=wf.alice)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=_decide, args=(str(db_path), req.id, u.id, barrier, results))
             for u in (wf.wang, wf.deputy)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=120)
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["Conflict", "ok"], outcomes
    loser = next(o for o in outcomes if o[0] == "Conflict")
    assert "no longer current" in loser[2] or "already" in loser[2]
    after = crm.approvals.get(req)
    assert after.current_step == "finance"
    approvals = [h for h in after.history() if h.kind == "approve"]
    assert len(approvals) == 1
    assert crm.audit.verify().ok


def test_an_approved_resubmission_does_not_restart_its_own_workflow():
    # A rejected initiation goes back to 初步接洽; once resubmitted and approved, its own
    # `advance` action moves the deal into 需求确认 again, which must not open a second request.
    crm = crmkit.open(":memory:")
    crm.clock.freeze("2026-01-01T09:00")
    d = crm.users.add("d", name="d", role="director")
    m = crm.users.add("m", name="m", role="manager", manager=d)
    a = crm.users.add("a", name="a", role="sales", manager=m)
    crm.workflows.define({"name": "init", "entity": "opportunity",
                          "trigger": {"on": "stage_enter", "stage": "需求确认"}, "when": "amount >= 100000",
                          "steps": [{"name": "manager", "approvers": "owner.manager"}],
                          "on_approve": {"advance": True}, "on_reject": {"stage": "初步接洽"}})
    o = crm.opportunities.add(customer=crm.customers.add(name="c", owner=a), title="t", amount=200000, owner=a)
    r = crm.opportunities.advance(o, "需求确认", by=a).locked_by_request
    crm.approvals.reject(r, by=m)
    assert crm.opportunities.get(o.id).stage == "初步接洽"
    crm.approvals.resubmit(r, by=a)
    crm.approvals.approve(r, by=m)
    after = crm.opportunities.get(o.id)
    assert after.stage == "需求确认" and after.locked_by_request is None
    assert crm.approvals.get(r).status == "approved"


# ---------------------------------------------------------------------------------------------
# Customer locking: a customer under a pending request refuses edits until the request ends.

CUSTOMER_REVIEW = {
    "name": "customer_review", "entity": "customer",
    "steps": [{"name": "manager", "approvers": "owner.manager"}],
    "on_approve": {"stage": "active", "set": {"region": "华东"}}}


@pytest.fixture
def locked(wf):
    crm = wf.crm
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"])
    crm.workflows.define(CUSTOMER_REVIEW)
    req = crm.approvals.submit("customer", wf.customer, workflow="customer_review", by=wf.alice)
    return wf, req


@pytest.mark.parametrize("edit, verb", [
    (lambda crm, c: crm.customers.update(c, name="新名字"), "be changed"),
    (lambda crm, c: crm.customers.update(c, region="华南"), "be changed"),
    (lambda crm, c: crm.customers.set_stage(c, "loyal"), "move to another stage"),
    (lambda crm, c: crm.customers.tag(c, "vip"), "be tagged"),
    (lambda crm, c: crm.customers.untag(c, "vip"), "be untagged"),
    (lambda crm, c: crm.customers.delete(c), "be deleted"),
    (lambda crm, c: crm.pool.release(c), "be released to the pool"),
])
@pytest.mark.parametrize("scoped", [False, True])
def test_a_customer_under_a_pending_request_refuses_edits(locked, edit, verb, scoped):
    org, req = locked
    crm = org.crm.as_user(org.alice) if scoped else org.crm
    before = org.crm.customers.get(org.customer)
    with pytest.raises(crmkit.Conflict) as info:
        edit(crm, org.customer.id)
    assert str(info.value) == (
        f"customer {org.customer.id} is locked by approval request {req.id} (pending at step 'manager'); "
        f"it cannot {verb} until the request is approved, rejected or recalled")
    assert org.crm.customers.get(org.customer) == before


def test_approval_unlocks_the_customer_after_its_actions_ran(locked):
    org, req = locked
    crm = org.crm
    seen = crm.customers.get(org.customer)
    done = crm.as_user(org.wang).approvals.approve(req, comment="同意")
    assert done.status == "approved"
    c = crm.customers.get(org.customer)
    assert (c.stage, c.fields["region"]) == ("active", "华东")  # the engine's own changes applied
    assert c.version == seen.version + 2  # the stage move and the set, each one change; locking is none
    alice = crm.as_user(org.alice)
    assert alice.customers.update(org.customer, name="新名字", expected_version=c.version).name == "新名字"
    assert alice.customers.tag(org.customer, "vip").tags == ["vip"]


def test_recall_and_rejection_unlock_the_customer(locked):
    org, req = locked
    crm = org.crm
    crm.approvals.recall(req, by=org.alice)
    assert crm.customers.set_stage(org.customer, "loyal").stage == "loyal"
    again = crm.approvals.resubmit(req, by=org.alice)
    assert again.status == "pending" and again.round == 2
    with pytest.raises(crmkit.Conflict):
        crm.customers.update(org.customer, name="x")
    assert crm.approvals.reject(req, by=org.wang).status == "rejected"
    assert crm.customers.update(org.customer, name="x").name == "x"


def test_records_about_a_locked_customer_are_allowed(locked):
    org, req = locked
    crm = org.crm
    crm.contacts.add(org.customer, name="李四")
    crm.interactions.log(org.customer, kind="call", by=org.alice, summary="跟进")
    crm.orders.add(org.customer, amount=100.0, at="2026-01-01")
    crm.opportunities.add(customer=org.customer, title="新机会", amount=50000, owner=org.alice)
    c = crm.customers.get(org.customer)
    assert c.facts.order_count == 1 and c.facts.interaction_count == 1
    assert crm.approvals.get(req).status == "pending"


def test_auto_rules_leave_a_locked_customer_as_it_is_until_the_request_ends(locked):
    org, req = locked
    crm = org.crm
    crm.autotags.add("跟进中", rule="id > 0")
    crm.autostages.add("loyal", rule="id > 0")
    before = crm.customers.get(org.customer)
    tagged = crm.autotags.apply()
    crm.autostages.apply()
    after = crm.customers.get(org.customer)
    assert after == before  # neither tag nor stage nor version moved under the lock
    assert tagged["跟进中"]["added"] == crm.customers.count(tag="跟进中")  # only unlocked customers counted
    assert [h["field"] for h in crm.history("customer", org.customer).rows()].count("tags") == 0
    crm.approvals.reject(req, by=org.wang)
    assert crm.autotags.apply()["跟进中"]["added"] == 1  # the next run catches up
    c = crm.customers.get(org.customer)
    assert "跟进中" in c.tags and c.version == before.version + 1


def test_the_pool_leaves_a_locked_customer_with_its_owner_until_the_request_ends(locked):
    org, req = locked
    crm = org.crm
    crm.pool.set_rules(idle_days=30, no_deal_days=0, warn_days=0)
    cid = org.customer.id
    owner = crm.customers.get(cid).owner_id
    assert owner is not None
    crm.clock.advance(days=40)
    reclaimed = crm.pool.reclaim_idle()
    assert cid not in reclaimed
    c = crm.customers.get(cid)
    assert c.owner_id == owner  # the lock holds against the pool too
    crm.approvals.reject(req, by=org.wang)
    assert cid in crm.pool.reclaim_idle()  # the next run catches up
    assert crm.customers.get(cid).owner_id is None


def test_migration_7_back_fills_escalations_and_customer_locks(wf, db_path):
    crm = wf.crm
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"])
    crm.workflows.define(CUSTOMER_REVIEW)
    customer_req = crm.approvals.submit("customer", wf.customer, workflow="customer_review", by=wf.alice)
    opp, req = started(wf, 2000000)
    crm.approvals.approve(req, by=wf.wang)
    crm.clock.advance(hours=49)
    assert crm.approvals.escalate_overdue().rows()[0]["users"] == ["root"]
    crm.close()
    # Take the file back to version 6: without the columns, as a crmkit of then left it.
    con = sqlite3.connect(db_path)
    con.executescript("ALTER TABLE approval_assignees DROP COLUMN escalated; "
                      "ALTER TABLE customers DROP COLUMN locked_step; "
                      "ALTER TABLE customers DROP COLUMN locked_by_request; "
                      "DROP TABLE customer_keys; DROP TABLE customer_keys_backfill; DROP INDEX leads_phone; "
                      "DROP INDEX leads_email; DROP TABLE settings; PRAGMA user_version = 6;")
    con.close()
    with crmkit.open(str(db_path)) as again:
        assert again.schema_version == crmkit.SCHEMA_VERSION
        with pytest.raises(crmkit.Conflict, match=rf"locked by approval request {customer_req.id} "
                                                  r"\(pending at step 'manager'\)"):
            again.customers.update(wf.customer, name="x")
        con = sqlite3.connect(db_path)
        marks = dict(con.execute(
            "SELECT u.login, a.escalated FROM approval_assignees a JOIN users u ON u.id = a.user_id "
            "JOIN approval_steps s ON s.id = a.step_id WHERE s.request_id = ? AND s.name = 'director'",
            (req.id,)).fetchall())
        con.close()
        assert marks == {"zhang": 0, "root": 1}
        assert again.approvals.recall(customer_req, by=wf.alice).status == "recalled"
        assert again.customers.update(wf.customer, name="x").name == "x"


# ---------------------------------------------------------------------------------------------
# The entity catalogs are kept between calls while the configuration holds


def _rebate_workflow(name):
    return {"name": name, "entity": "opportunity", "trigger": {"on": "submit"}, "when": "rebate > 0.1",
            "steps": [{"name": "manager", "approvers": "owner.manager"}]}


def test_a_field_added_in_a_rolled_back_transaction_is_unknown_afterwards(wf):
    crm = wf.crm
    with pytest.raises(RuntimeError):
        with crm.transaction():
            crm.fields.add("opportunity", "rebate", type="number")
            crm.workflows.define(_rebate_workflow("rebates"))  # the catalog seen inside knows it
            raise RuntimeError("undo")
    with pytest.raises(crmkit.WorkflowError, match="rebate"):
        crm.workflows.define(_rebate_workflow("rebates"))
    crm.fields.add("opportunity", "rebate", type="number")
    assert crm.workflows.define(_rebate_workflow("rebates")).version == 1


def test_a_field_added_by_another_connection_is_known_here(wf, db_path):
    crm = wf.crm
    opp = opportunity(wf, 10)
    with pytest.raises(crmkit.WorkflowError, match="rebate"):
        crm.workflows.define(_rebate_workflow("rebates"))
    other = crmkit.open(str(db_path))
    other.fields.add("opportunity", "rebate", type="number")
    other.close()
    assert crm.workflows.define(_rebate_workflow("rebates")).version == 1
    opp = crm.opportunities.update(opp.id, fields={"rebate": 0.2})
    req = crm.approvals.submit("opportunity", opp, workflow="rebates", by=wf.alice)
    assert req.current_step == "manager"


def test_a_new_stage_is_known_to_the_next_definition(wf):
    crm = wf.crm
    spec = {"name": "late", "entity": "opportunity", "trigger": {"on": "submit"}, "when": 'stage = "合同审核"',
            "steps": [{"name": "manager", "approvers": "owner.manager"}]}
    with pytest.raises(crmkit.WorkflowError, match="合同审核"):
        crm.workflows.define(spec)
    stages = crm.pipeline.stages()
    crm.pipeline.set_stages([(s, 0.5) for s in stages[:-2]] + [("合同审核", 0.8)] + [(stages[-2], 1.0), (stages[-1], 0.0)])
    assert crm.workflows.define(spec).version == 1


def test_routing_sees_a_user_deactivated_by_another_connection(wf, db_path):
    # Approvers' cards are kept per engine; another connection's commit drops them.
    crm = wf.crm
    crm.workflows.define({"name": "pair", "entity": "opportunity", "trigger": {"on": "submit"},
                          "steps": [{"name": "check", "approvers": {"users": ["wang", "deputy"]}, "mode": "any"}]})
    first = crm.approvals.submit("opportunity", opportunity(wf, 10), workflow="pair", by=wf.alice)
    assert len(crm.approvals.inbox(wf.deputy)) == 1
    other = crmkit.open(str(db_path))
    other.users.update(wf.deputy, active=False)
    other.close()
    second = crm.approvals.submit("opportunity", opportunity(wf, 20), workflow="pair", by=wf.alice)
    assert [r["request_id"] for r in crm.approvals.inbox(wf.wang).rows()] == [first.id, second.id]
    assert [r["request_id"] for r in crm.approvals.inbox(wf.deputy).rows()] == [first.id]
