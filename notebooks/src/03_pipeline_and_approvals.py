# %% [markdown]
# # From leads to won deals, through approval workflows
#
# This notebook follows deals from the first contact to the signature: leads are captured,
# qualified and converted into customers and opportunities; opportunities move through the
# pipeline; large ones stop for approval by a manager, the director and finance. Along the way it
# shows how to check a workflow definition before it goes live, how to preview the route a deal
# would take, how approvers work their inboxes (and hand them over while away), how an SLA
# escalates a request nobody answered, and how the hash-chained approval ledger exposes a
# changed row.
#
# The clock is frozen so that every run gives the same answers; `crm.clock.advance(...)` moves it
# on, which is how the SLA below comes due.

# %%
import os
import sqlite3
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import crmkit

img_dir = Path(os.environ.get("CRMKIT_IMG_DIR", "."))
db_file = Path("pipeline.db")
for suffix in ("", "-wal", "-shm"):               # start from an empty database on every run
    Path(f"{db_file}{suffix}").unlink(missing_ok=True)

crm = crmkit.open(str(db_file))
crm.clock.freeze("2026-03-02T09:00:00Z")          # a Monday morning
crm.pipeline.stages()

# %% [markdown]
# ## The organisation
# A director at the top, two sales managers with their reps, three people in finance and an
# administrator. The manager chain decides who approves: `owner.manager` in a workflow means "the
# manager of the deal's owner".

# %%
hq = crm.teams.add("销售总部")
east = crm.teams.add("华东销售部", parent=hq)
south = crm.teams.add("华南销售部", parent=hq)
director = crm.users.add("zhang", name="张总", role="director", team=hq)
mgr_east = crm.users.add("wang", name="王经理", role="manager", team=east, manager=director)
mgr_south = crm.users.add("chen", name="陈经理", role="manager", team=south, manager=director)
deputy = crm.users.add("zhou", name="周副经理", role="manager", team=east, manager=director)
alice = crm.users.add("alice", name="Alice Wang", role="sales", team=east, manager=mgr_east)
bob = crm.users.add("bob", name="刘洋", role="sales", team=east, manager=mgr_east)
carol = crm.users.add("carol", name="Carol Chen", role="sales", team=south, manager=mgr_south)
fin1 = crm.users.add("fin.li", name="李会计", role="finance", team=hq)
fin2 = crm.users.add("fin.zhao", name="赵会计", role="finance", team=hq)
fin3 = crm.users.add("fin.sun", name="孙会计", role="finance", team=hq)
admin = crm.users.add("admin", name="系统管理员", role="admin", team=hq)
crm.users.list().to_pandas()[["id", "login", "name", "role", "team_id", "manager_id"]]

# %% [markdown]
# ## Leads: capture, qualify, convert
# A lead is a prospect that is not a customer yet. Qualifying it assigns it to a rep; converting
# it creates the customer, a contact and an opportunity in one transaction. If the company is
# already a customer (same phone, e-mail or company name), conversion **matches the existing
# customer** instead of creating a duplicate.

# %%
existing = crm.customers.add(name="苏州恒通精密机械有限公司", owner=alice, source="展会",
                             phone="0512-6688 1200", industry="制造")

leads = [
    crm.leads.add(name="王先生", company="上海华信电子有限公司", phone="139 0000 1001", source="官网"),
    crm.leads.add(name="李女士", company="杭州瑞丰物流有限公司", phone="139 0000 1002", source="展会"),
    crm.leads.add(name="张工", company="深圳金桥科技有限公司", phone="139 0000 1003", source="转介绍"),
    crm.leads.add(name="刘总", company="恒通精密", phone="+86 0512 66881200", source="电话营销"),  # already a customer
    crm.leads.add(name="陈经理", company="某贸易公司", phone="139 0000 1005", source="官网"),
]
crm.leads.qualify(leads[0], by=alice)
crm.leads.qualify(leads[1], by=bob)
crm.leads.qualify(leads[2], by=carol)
crm.leads.qualify(leads[3], by=alice)
crm.leads.disqualify(leads[4], reason="无预算")
crm.leads.list().to_pandas()[["id", "name", "company", "source", "status", "owner_id", "reason"]]

# %%
converted = {}
for lead, rep, title, amount in [(leads[0], alice, "MES项目", 2_400_000),
                                 (leads[1], bob, "WMS仓储", 350_000),
                                 (leads[2], carol, "数据中台", 680_000),
                                 (leads[3], alice, "设备联网", 1_500_000)]:
    res = crm.leads.convert(lead, by=rep, opportunity={"title": title, "amount": amount,
                                                       "close_date": "2026-06-30"})
    converted[title] = res.opportunity
    print(f"{lead.company:<14} -> customer {res.customer.id} {res.customer.name:<14} "
          f"matched_existing={res.matched_existing} matched_on={res.matched_on}")
print("customers now:", crm.customers.count())

# %% [markdown]
# The fourth lead gave a differently written company name and its phone with a country code, but
# the phone matches the existing customer, so no duplicate was made: its opportunity hangs under
# customer 1.
#
# ## The pipeline
# Opportunities move through the stages with `advance` (the next stage by default, or a named
# one). Every move is kept in the stage history, which the reports build on. Here a few smaller
# deals are created directly, and one is already in 需求确认 before any workflow exists.

# %%
cust = {r.name: r for r in crm.customers.find()}
small = crm.opportunities.add(customer=existing, title="备件年框", amount=60_000, owner=alice,
                              close_date="2026-04-30")
early = crm.opportunities.add(customer=cust["杭州瑞丰物流有限公司"], title="WMS二期", amount=420_000,
                              owner=bob, close_date="2026-05-31")
crm.clock.advance(hours=2)
crm.opportunities.advance(early, by=bob)          # 初步接洽 -> 需求确认 (no workflow yet)
crm.opportunities.advance(small, "需求确认", by=alice)
crm.opportunities.find().to_pandas()[["id", "title", "amount", "owner_id", "stage", "probability"]]

# %% [markdown]
# ## Checking a workflow before it goes live
# A workflow is data: a JSON object (a dict here). `crm.workflows.validate` checks a draft against
# the organisation, the pipeline and the other workflows, and returns every problem with its JSON
# path — nothing is written. This draft has six problems:

# %%
draft = {
    "name": "opportunity_initiation", "entity": "opportunity",
    "trigger": {"on": "stage_enter", "stage": "需求确认"},
    "when": "amount >= 100000",
    "steps": [
        {"name": "manager", "approvers": "owner.boss"},                                  # no such expression
        {"name": "director", "approvers": {"role": "director"}, "when": "amount < 50000"},  # can never run
        {"name": "finance", "approvers": {"role": "finance"}, "mode": "quorum", "quorum": 4},  # only 3 in finance
        {"name": "finance", "approvers": {"role": "auditor"}},                           # duplicate name, unknown role
    ],
    "on_approve": {"advance": True}, "on_reject": {"stage": "需求确认"}}             # would loop
pd.DataFrame([{"path": p.path, "problem": p.message} for p in crm.workflows.validate(draft)])

# %% [markdown]
# The corrected workflow: every opportunity entering 需求确认 with an amount of at least 100,000
# needs the owner's manager (24 hours, then the manager's own manager is added); from 1,000,000
# also the director; then two of the three finance staff. Approval moves the deal on to 方案报价,
# rejection sends it back to 初步接洽.

# %%
initiation = {
    "name": "opportunity_initiation", "entity": "opportunity",
    "description": "商机立项审批",
    "trigger": {"on": "stage_enter", "stage": "需求确认"},
    "when": "amount >= 100000",
    "steps": [
        {"name": "manager", "approvers": "owner.manager", "mode": "any",
         "sla_hours": 24, "escalate_to": "approver.manager"},
        {"name": "director", "approvers": {"role": "director"}, "when": "amount >= 1000000", "mode": "all"},
        {"name": "finance", "approvers": {"role": "finance"}, "mode": "quorum", "quorum": 2}],
    "on_approve": {"advance": True},
    "on_reject": {"stage": "初步接洽"}}
print(crm.workflows.validate(initiation))
wf = crm.workflows.define(initiation)
wf.name, wf.version, wf.trigger

# %% [markdown]
# ## Previewing a route
# `simulate` routes a record (a dict of field values, or an existing opportunity) through the
# current definition and says which steps would run, who would approve and why — again writing
# nothing.

# %%
def show_route(route):
    print(f"{route.workflow} v{route.version}: applies={route.applies} ({route.reason})")
    return pd.DataFrame([{"step": s.name, "runs": s.runs, "mode": s.mode, "quorum": s.quorum,
                          "approvers": ", ".join(a.login for a in s.approvers), "why": s.reason}
                         for s in route.steps])

show_route(crm.workflows.simulate("opportunity_initiation", {"amount": 2_000_000, "owner": alice}))

# %%
show_route(crm.workflows.simulate("opportunity_initiation", {"amount": 300_000, "owner": carol}))

# %% [markdown]
# ## Submitting
# Advancing a deal into 需求确认 now starts a request by itself and **locks** the opportunity until
# the request ends. The deal that was already in 需求确认 before the workflow existed is submitted
# by hand with `crm.approvals.submit`. The 60,000 deal is below the workflow's threshold, so it
# never needs approval.

# %%
crm.clock.advance(hours=1)
for title in ["MES项目", "WMS仓储", "数据中台", "设备联网"]:
    opp = crm.opportunities.advance(converted[title], "需求确认", by=crm.opportunities.get(converted[title]).owner_id)
    print(f"{opp.title:<6} {opp.amount:>12,.0f}  locked by request {opp.locked_by_request}")
manual = crm.approvals.submit("opportunity", early, workflow="opportunity_initiation", by=bob,
                              comment="上线前已在需求确认")
print("submitted by hand:", manual.id, manual.status, manual.current_step)
crm.approvals.list().to_pandas()

# %% [markdown]
# A locked deal refuses changes, with a message that says why:

# %%
mes = converted["MES项目"]
try:
    crm.opportunities.update(mes, amount=2_600_000, by=alice)
except crmkit.Conflict as e:
    print("Conflict:", e)

# %% [markdown]
# ## Inboxes, approvals and rejections
# Each approver's inbox lists the requests waiting for them now. Nobody may approve their own
# request, and each approver acts once per step.

# %%
crm.approvals.inbox(mgr_east).to_pandas()[["request_id", "workflow", "entity_id", "step", "started_at", "due_at"]]

# %%
req_of = {t: crm.opportunities.get(o).locked_by_request for t, o in converted.items()}
crm.clock.advance(hours=3)
crm.approvals.approve(req_of["MES项目"], by=mgr_east, comment="同意，重点跟进")
crm.approvals.approve(req_of["设备联网"], by=mgr_east, comment="同意")
crm.approvals.reject(req_of["WMS仓储"], by=mgr_east, comment="预算未确认，请补充")
try:
    crm.approvals.approve(req_of["MES项目"], by=alice)
except crmkit.PermissionDenied as e:
    print("PermissionDenied:", e)
print("WMS仓储 is back in", crm.opportunities.get(converted["WMS仓储"]).stage)
crm.approvals.list().to_pandas()[["id", "entity_id", "status", "current_step", "round"]]

# %% [markdown]
# The rejected deal went back to 初步接洽 (the workflow's `on_reject`) and is unlocked. Once the rep
# has the budget confirmed, moving it into 需求确认 again starts a fresh request. (A request that
# was *recalled* while pending can instead be `resubmit`-ted as the next round of the same
# request; here the rep recalls the hand-submitted one to add a comment and resubmits it.)

# %%
crm.clock.advance(hours=2)
wms = crm.opportunities.advance(converted["WMS仓储"], "需求确认", by=bob)
again = crm.approvals.get(wms.locked_by_request)
print("new request:", again.id, again.status, again.current_step)
crm.approvals.recall(manual, by=bob, comment="补充付款条件")
manual = crm.approvals.resubmit(manual, by=bob, comment="已补充付款条件")
print("resubmitted:", manual.id, manual.status, "round", manual.round)

# %% [markdown]
# ## Delegation
# The east manager is travelling for a week and hands approvals to the deputy. The deputy's inbox
# now shows the manager's requests (`on_behalf_of`), and the ledger records who acted for whom.

# %%
crm.approvals.delegate(mgr_east, to=deputy, start="2026-03-02T14:00:00Z", end="2026-03-09T09:00:00Z")
crm.approvals.inbox(deputy).to_pandas()[["request_id", "entity_id", "step", "on_behalf_of"]]

# %%
crm.approvals.approve(again, by=deputy, comment="代王经理审批")
crm.approvals.approve(manual, by=deputy, comment="代王经理审批")
[(h.kind, h.step, h.actor, h.on_behalf_of, h.comment) for h in crm.approvals.get(manual).history()]

# %% [markdown]
# The director approves the two large deals. Finance needs two of three approvals (`quorum`); a
# batch call reports a result per request instead of stopping at the first failure.

# %%
crm.clock.advance(hours=4)
for title in ["MES项目", "设备联网"]:
    crm.approvals.approve(req_of[title], by=director, comment="同意")
finance_queue = list(crm.approvals.inbox(fin1).to_pandas().request_id)
results = crm.approvals.approve_many(finance_queue, by=fin1, comment="财务一审")
pd.DataFrame([{"request": r.request_id, "ok": r.ok, "status": r.status, "step": r.current_step}
              for r in results])

# %%
crm.approvals.approve(req_of["MES项目"], by=fin2, comment="同意")
crm.approvals.approve(again, by=fin3, comment="同意")
crm.approvals.reject(manual, by=fin2, comment="回款条款不清")
crm.approvals.reject(manual, by=fin3, comment="同上")    # two no-votes: the quorum of 2 is out of reach
crm.approvals.list().to_pandas()[["id", "entity_id", "status", "current_step", "round"]]

# %% [markdown]
# Approved deals moved on to 方案报价 and are unlocked:

# %%
crm.opportunities.find().to_pandas()[["id", "title", "amount", "stage", "locked_by_request"]]

# %% [markdown]
# ## An SLA escalation
# The south manager does not answer the 数据中台 request. The manager step has a 24-hour SLA with
# `escalate_to: approver.manager`: once the (frozen) clock passes the due time,
# `escalate_overdue()` — which a scheduler would call — adds the manager's own manager, the
# director, as an approver. Nothing escalates before the deadline.

# %%
south_req = req_of["数据中台"]
print("before the deadline:", len(crm.approvals.escalate_overdue()), "escalations")
crm.clock.advance(hours=30)
crm.approvals.escalate_overdue().to_pandas()

# %%
crm.approvals.inbox(director).to_pandas()[["request_id", "entity_id", "step", "started_at", "due_at"]]

# %%
crm.approvals.approve(south_req, by=director, comment="经理出差，直接批准")
crm.approvals.steps(south_req).to_pandas()[["round", "name", "status", "started_at", "due_at",
                                            "escalated_at", "ended_at", "approvers"]]

# %% [markdown]
# ## Closing the deals
# The approved deals go on to negotiation and are won or lost:

# %%
crm.clock.advance(days=10)
crm.opportunities.advance(converted["MES项目"], by=alice)          # 方案报价 -> 商务谈判
crm.opportunities.win(converted["MES项目"], by=alice)
crm.opportunities.win(converted["WMS仓储"], by=bob)
crm.opportunities.lose(early, reason="价格", by=bob)
crm.opportunities.find().to_pandas()[["id", "title", "amount", "stage", "status", "locked_by_request"]]

# %% [markdown]
# ## Requests by status and step
# Every step instance of every request, counted by where it ended:

# %%
steps = pd.concat([crm.approvals.steps(r["id"]).to_pandas().assign(request=r["id"])
                   for r in crm.approvals.list()], ignore_index=True)
counts = (steps.pivot_table(index="name", columns="status", values="id", aggfunc="count", fill_value=0)
          .reindex(["manager", "director", "finance"]))
colors = {"approved": "#3b9d5d", "rejected": "#d8473b", "pending": "#e0a030", "skipped": "#9aa5b1",
          "cancelled": "#5b6b7b"}
fig, ax = plt.subplots(figsize=(7, 4))
counts.plot.bar(ax=ax, stacked=True, rot=0, color=[colors.get(c, "#777777") for c in counts.columns])
ax.set_title("Approval step instances by outcome (opportunity_initiation)")
ax.set_xlabel("workflow step")
ax.set_ylabel("step instances")
ax.legend(title="status", bbox_to_anchor=(1.01, 1), loc="upper left")
fig.savefig(img_dir / "approvals_by_status.png", dpi=110, bbox_inches="tight")
counts

# %% [markdown]
# ## The approval ledger
# Every submission, step, decision, escalation and delegation was appended to a hash-chained
# ledger in the same transaction as the change itself. `audit.head()` is the latest hash: keep it
# somewhere the database's writers cannot reach. `audit.verify()` walks the chain.

# %%
head = crm.audit.head()
v = crm.audit.verify(expected_head=head)
print("head:", head)
print("ok:", v.ok, "| entries:", v.entries, "| first_bad:", v.first_bad)
crm.audit.entries().to_pandas()[["id", "at", "kind", "request_id", "step", "actor_id", "on_behalf_of", "comment"]].head(12)

# %% [markdown]
# ## Tampering
# Suppose someone with write access to the file quietly rewrites a rejection comment with plain
# SQL. The row looks fine, but its content no longer matches its hash, and `verify` names the
# entry:

# %%
victim = next(e for e in crm.audit.entries() if e.kind == "reject")
with sqlite3.connect(str(db_file)) as raw:
    raw.execute("UPDATE approval_ledger SET comment = ? WHERE id = ?", ("同意", victim.id))
raw.close()
v = crm.audit.verify(expected_head=head)
print("edited entry:", victim.id, "| ok:", v.ok, "| first_bad:", v.first_bad)
print(v.reason)

# %% [markdown]
# Deleting an entry breaks the chain at the next one instead (its `prev_hash` no longer matches),
# and cutting entries off the end is caught by comparing with the head kept elsewhere.

# %%
with sqlite3.connect(str(db_file)) as raw:
    raw.execute("UPDATE approval_ledger SET comment = ? WHERE id = ?", (victim.comment, victim.id))  # put it back
    raw.execute("DELETE FROM approval_ledger WHERE id = ?", (victim.id - 1,))
raw.close()
v = crm.audit.verify(expected_head=head)
print("deleted entry:", victim.id - 1, "| ok:", v.ok, "| first_bad:", v.first_bad)
print(v.reason)

# %%
crm.close()
