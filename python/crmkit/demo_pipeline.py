"""The demo's sales pipeline and approvals: leads, conversions, opportunities across the stages,
three approval workflows (opportunity initiation by amount, discount approval on quotes, contract
review) and two weeks of requests driven through every state — pending, approved, rejected,
recalled — by approvers working their inboxes, with SLAs running on a frozen, advancing clock.

Runs on the organisation python/crmkit/demo.py builds (a director ``zhang.zong`` leading the top
team, managers leading the sales teams, reps under them, ``finance.li``) or any organisation with a
director, managers with reps under them and a finance user::

    summary = demo.build(crm, customers=2000)
    demo_pipeline.build(crm, random.Random(7))
    print(demo_pipeline.render(demo_pipeline.summarize(crm)))

build() leaves the clock frozen at the end of its story, so that summarize() sees the SLAs as of
then; unfreeze it when done.
"""

import collections
import datetime as _dt

from .cli.output import width as display_width

START = "2026-01-05T09:00:00Z"
DAYS = 14

COMPANIES = ["华信", "瑞丰", "金桥", "恒通", "明德", "宏远", "盛世", "天成", "博雅", "新锐", "同创", "鼎盛", "云帆"]
CITIES = ["上海", "苏州", "杭州", "深圳", "广州", "成都", "武汉", "南京"]
PROJECTS = ["MES项目", "ERP升级", "WMS仓储", "数据中台", "设备联网", "质量追溯", "能耗管理", "CRM实施"]
SOURCES = ["官网", "展会", "转介绍", "电话营销", "合作伙伴"]
PERSONS = ["王先生", "李女士", "张工", "刘总", "陈经理", "杨主任", "赵先生", "黄女士"]


def initiation():
    """Every opportunity entering 需求确认 from 100,000 up: the owner's manager (a day, then their
    manager is added); from 1,000,000 the director; from 500,000 finance (three days)."""
    return {
        "name": "opportunity_initiation", "entity": "opportunity",
        "description": "商机立项审批",
        "trigger": {"on": "stage_enter", "stage": "需求确认"},
        "when": "amount >= 100000",
        "steps": [
            {"name": "manager", "approvers": "owner.manager", "sla_hours": 24, "escalate_to": "approver.manager"},
            {"name": "director", "approvers": {"role": "director"}, "when": "amount >= 1000000"},
            {"name": "finance", "approvers": {"role": "finance"}, "when": "amount >= 500000",
             "sla_hours": 72, "escalate_to": "approver.manager"}],
        "on_approve": {"advance": True},
        "on_reject": {"stage": "初步接洽"},
        "reapprove_on": {"amount": "increase > 10%"},
    }


def discount():
    """A quote's discount above 15%: the owner's manager; above 30% also the director. A rejection
    puts the discount back to 15%; a further increase after approval asks again."""
    return {
        "name": "discount_approval", "entity": "quote",
        "description": "报价折扣审批",
        "trigger": {"on": "field_change", "when": "discount > 0.15"},
        "steps": [
            {"name": "manager", "approvers": "owner.manager", "sla_hours": 24, "escalate_to": "approver.manager"},
            {"name": "director", "approvers": {"role": "director"}, "when": "discount > 0.3"}],
        "on_reject": {"set": {"discount": 0.15}},
        "reapprove_on": {"discount": "increase > 0"},
    }


def contract(top_team):
    """Contracts, submitted by hand: the lead of the top team, then finance (three days)."""
    return {
        "name": "contract_review", "entity": "contract",
        "description": "合同评审",
        "trigger": {"on": "submit"},
        "steps": [
            {"name": "department", "approvers": {"team_lead": top_team}},
            {"name": "finance", "approvers": {"role": "finance"}, "sla_hours": 72, "escalate_to": "approver.manager"}],
    }


class _Story:
    """The state of the two weeks: who is who, and what each request is meant to end as."""

    def __init__(self, crm, rng):
        self.crm = crm
        self.rng = rng
        users = crm.users.list().rows()
        self.users = {u["id"]: u for u in users}
        self.reps = [u["id"] for u in users if u["role"] == "sales" and u["active"] and u["manager_id"]]
        if not self.reps:
            raise ValueError("the organisation has no sales reps with a manager: build the demo organisation first")
        self.approvers = [u["id"] for u in users if u["active"] and u["role"] in ("manager", "director", "finance",
                                                                                   "admin")]
        teams = crm.teams.list().rows()
        led = [t for t in teams if t["lead_id"] is not None and t["parent_id"] is None]
        self.top_team = (led or [t for t in teams if t["lead_id"] is not None])[0]["name"]
        customers = crm.customers.find()
        self.customers_of = collections.defaultdict(list)
        for cid, owner in zip(customers.column("id"), customers.column("owner_id")):
            if owner is not None:
                self.customers_of[owner].append(cid)
        self.fate = {}      # request id -> (state, the decision index at which it happens)
        self.progress = collections.Counter()   # request id -> decisions taken in its round
        self.away = {}      # user id -> (first day, last day) on leave, their deputy acting

    def customer_for(self, rep):
        if not self.customers_of[rep]:
            c = self.crm.customers.add(name=f"{self.rng.choice(CITIES)}{self.rng.choice(COMPANIES)}科技有限公司",
                                       owner=rep, source=self.rng.choice(SOURCES))
            self.customers_of[rep].append(c.id)
        return self.rng.choice(self.customers_of[rep])

    def destine(self, request_id):
        """What a request will end as; `pending` ones stall at an approver and age past their SLA."""
        state = self.rng.choices(["approved", "rejected", "recalled", "pending"], weights=[28, 32, 20, 20])[0]
        self.fate[request_id] = (state, 0 if self.rng.random() < 0.8 else 1)
        self.progress[request_id] = 0


def _leads(story, n):
    """Leads from the usual sources: most qualified, some disqualified, half of them converted."""
    crm, rng = story.crm, story.rng
    converted = []
    for i in range(n):
        rep = rng.choice(story.reps)
        company = f"{rng.choice(CITIES)}{rng.choice(COMPANIES)}{rng.choice(['制造', '电子', '物流'])}有限公司{i}"
        lead = crm.leads.add(name=rng.choice(PERSONS), company=company, phone=f"139{rng.randrange(10**7, 10**8)}",
                             source=rng.choice(SOURCES), owner=rep)
        roll = rng.random()
        if roll < 0.15:
            crm.leads.disqualify(lead, reason=rng.choice(["无预算", "需求不匹配", "联系不上"]), by=rep)
            continue
        if roll < 0.35:
            continue  # still new
        crm.leads.qualify(lead, by=rep)
        if roll < 0.85:
            amount = rng.choice([30000, 60000, 80000, 150000, 300000, 600000, 1200000])
            res = crm.leads.convert(lead, by=rep,
                                    opportunity={"title": rng.choice(PROJECTS), "amount": amount})
            story.customers_of[rep].append(res.customer.id)
            converted.append(res.opportunity.id)
    return converted


def _small_opportunities(story, n):
    """Deals below the initiation threshold, spread over the pipeline; some won, some lost."""
    crm, rng = story.crm, story.rng
    for _ in range(n):
        rep = rng.choice(story.reps)
        opp = crm.opportunities.add(customer=story.customer_for(rep), title=rng.choice(PROJECTS),
                                    amount=rng.randrange(5, 95) * 1000, owner=rep,
                                    close_date=(_dt.date(2026, 2, 1) + _dt.timedelta(days=rng.randrange(90))))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            opp = crm.opportunities.advance(opp, by=rep)
        roll = rng.random()
        if roll < 0.15:
            crm.opportunities.win(opp, by=rep)
        elif roll < 0.25:
            crm.opportunities.lose(opp, reason=rng.choice(["价格", "竞争对手", "预算取消"]), by=rep)


def _new_requests(story, n, big_opps):
    """n new requests: initiations (an opportunity enters 需求确认), discounts on quotes of
    unlocked opportunities, contracts submitted by their owners."""
    crm, rng = story.crm, story.rng
    for _ in range(n):
        kind = rng.choices(["initiation", "discount", "contract"], weights=[5, 3, 2])[0]
        rep = rng.choice(story.reps)
        if kind == "initiation":
            if big_opps:
                oid = big_opps.pop()
                opp = crm.opportunities.get(oid)
                rep = opp.owner_id
            else:
                opp = crm.opportunities.add(customer=story.customer_for(rep), title=rng.choice(PROJECTS),
                                            amount=rng.choice([120000, 250000, 400000, 650000, 900000, 1500000,
                                                               3000000]), owner=rep)
            if opp.stage != "初步接洽" or opp.locked or opp.status != "open":
                continue
            opp = crm.opportunities.advance(opp, "需求确认", by=rep)
            if opp.locked:
                story.destine(opp.locked_by_request)
            continue
        opp = crm.opportunities.add(customer=story.customer_for(rep), title=rng.choice(PROJECTS),
                                    amount=rng.randrange(20, 90) * 1000, owner=rep, stage="方案报价")
        if kind == "discount":
            quote = crm.documents.add(opp, "quote", title=f"{opp.title}报价单", amount=opp.amount,
                                      discount=rng.choice([0.05, 0.1]))
            quote = crm.as_user(rep).documents.update(quote, discount=rng.choice([0.18, 0.2, 0.25, 0.35, 0.4]))
            if quote.locked_by_request:
                story.destine(quote.locked_by_request)
        else:
            doc = crm.documents.add(opp, "contract", title=f"{opp.title}合同", amount=opp.amount)
            req = crm.approvals.submit("contract", doc, by=rep, comment="请审批合同")
            story.destine(req.id)


def _work_inboxes(story, day):
    """Each approver goes through their inbox (delegates through their delegators'); a decision
    waits for the request's fate: a stalled one is left alone, a doomed one rejected."""
    crm, rng = story.crm, story.rng
    for user in story.approvers:
        away = story.away.get(user)
        if away and away[0] <= day <= away[1]:
            continue
        rows = crm.approvals.inbox(user).rows()
        batch = []
        for row in rows:
            rid = row["request_id"]
            if rid not in story.fate or rng.random() < 0.35:   # not today
                continue
            state, at = story.fate[rid]
            if story.progress[rid] >= at and state in ("pending", "recalled"):
                continue
            if story.progress[rid] >= at and state == "rejected":
                crm.approvals.reject(rid, by=user, comment=rng.choice(["预算不足", "折扣过高", "请补充材料"]),
                                     step=row["step"])
                continue
            if story.users[user]["role"] == "director" and row["on_behalf_of"] is None:
                batch.append(rid)
                continue
            crm.approvals.approve(rid, by=user, comment=rng.choice(["同意", "OK", None]), step=row["step"])
            story.progress[rid] += 1
        if batch:  # the director signs a pile at once
            for r in crm.approvals.approve_many(batch, by=user, comment="同意"):
                if r.ok:
                    story.progress[r.request_id] += 1


def _submitters(story):
    """Submitters recall what they meant to, and resubmit some rejected requests."""
    crm, rng = story.crm, story.rng
    pending = crm.approvals.list(status="pending")
    for rid, submitter in zip(pending.column("id"), pending.column("submitter_id")):
        state, at = story.fate.get(rid, ("pending", 99))
        if state == "recalled" and story.progress[rid] >= at and rng.random() < 0.5:
            crm.approvals.recall(rid, by=submitter, comment="需要修改")
    rejected = crm.approvals.list(status="rejected")
    for rid, submitter in zip(rejected.column("id"), rejected.column("submitter_id")):
        if rid in story.fate and story.fate[rid][0] == "rejected" and rng.random() < 0.006:
            try:
                crm.approvals.resubmit(rid, by=submitter, comment="已修改，重新提交")
            except _errors():
                continue  # no longer applies (e.g. a quote back at 15%)
            story.fate[rid] = (rng.choice(["approved", "pending"]), 0)
            story.progress[rid] = 0


def _errors():
    from . import Conflict, WorkflowError
    return (WorkflowError, Conflict)


def build(crm, rng, requests_per_day=80):
    """Leads, conversions, opportunities across the stages, the three workflows, and two weeks of
    approval requests (about ``requests_per_day`` a day) in every state. Returns the moment the
    story ends (the clock stays frozen there)."""
    crm.clock.freeze(START)
    story = _Story(crm, rng)
    for definition in (initiation(), discount(), contract(story.top_team)):
        crm.workflows.define(definition)
    converted = _leads(story, 160)
    big = [oid for oid in converted if crm.opportunities.get(oid).amount >= 100000]
    rng.shuffle(big)
    _small_opportunities(story, 120)
    managers = [u for u in story.approvers if story.users[u]["role"] == "manager"]
    if len(managers) >= 2:  # one manager is away for four days; another acts in their name
        away, deputy = managers[-1], managers[0]
        start = _dt.datetime.fromisoformat(START.replace("Z", "+00:00")) + _dt.timedelta(days=4)
        crm.approvals.delegate(away, to=deputy, start=start, end=start + _dt.timedelta(days=4))
        story.away[away] = (4, 7)
    for day in range(DAYS):
        for hour in range(3):
            _new_requests(story, requests_per_day // 3, big)
            _work_inboxes(story, day)
            _submitters(story)
            crm.clock.advance(hours=4 if hour < 2 else 16)
        crm.approvals.escalate_overdue()
    return crm.clock.now()


def summarize(crm, asof=None):
    """Each user's inbox, requests per workflow and status, and the requests past their SLA
    (a pending step whose due time has passed), as of `asof` (default: the clock)."""
    now = asof or crm.clock.now()
    users = {u["id"]: u for u in crm.users.list().rows()}
    requests = crm.approvals.list()
    per_status = collections.Counter(requests.column("status"))
    per_workflow = collections.defaultdict(collections.Counter)
    for wf, status in zip(requests.column("workflow"), requests.column("status")):
        per_workflow[wf][status] += 1
    inbox, overdue = {}, {}
    for uid, u in users.items():
        rows = crm.approvals.inbox(uid).rows()
        if not rows:
            continue
        inbox[f"{u['name']} ({u['login']})"] = len(rows)
        for r in rows:
            if r["due_at"] is not None and r["due_at"] <= now:
                o = overdue.setdefault(r["request_id"], {"request": r["request_id"], "workflow": r["workflow"],
                                                         "step": r["step"], "approvers": [],
                                                         "hours_over": round((now - r["due_at"]).total_seconds()
                                                                             / 3600, 1)})
                o["approvers"].append(u["login"])
    past = sorted(overdue.values(), key=lambda o: -o["hours_over"])
    verification = crm.audit.verify()
    return {
        "asof": now.isoformat(),
        "requests": len(requests),
        "per_status": {s: per_status.get(s, 0) for s in ("pending", "approved", "rejected", "recalled")},
        "per_workflow": {wf: dict(c) for wf, c in sorted(per_workflow.items())},
        "inbox": dict(sorted(inbox.items(), key=lambda kv: -kv[1])),
        "past_sla": len(past),
        "past_sla_requests": past,
        "ledger_entries": verification.entries,
        "ledger_ok": verification.ok,
    }


def render(summary, top=15):
    """The summary as text: statuses, workflows, inboxes, and the requests longest past their SLA."""
    def block(title, counts):
        # Padded by display width: Chinese names take two columns each.
        width = max((display_width(str(k)) for k in counts), default=0)
        return "\n".join([title] + [f"  {str(k)}{' ' * (width - display_width(str(k)))}  {v:>6}"
                                     for k, v in counts.items()])

    head = (f"Approvals as of {summary['asof']}: {summary['requests']} requests, "
            f"{summary['past_sla']} past their SLA; ledger {summary['ledger_entries']} entries, "
            f"{'verified' if summary['ledger_ok'] else 'NOT VERIFIED'}")
    workflows = {wf: ", ".join(f"{s} {n}" for s, n in sorted(c.items())) for wf, c in summary["per_workflow"].items()}
    late = [f"  #{o['request']:<6} {o['workflow']:<24} {o['step']:<12} {o['hours_over']:>7.1f} h over  "
            f"({', '.join(o['approvers'])})" for o in summary["past_sla_requests"][:top]]
    more = len(summary["past_sla_requests"]) - top
    if more > 0:
        late.append(f"  ... and {more} more")
    return "\n\n".join([head, block("Requests per status", summary["per_status"]),
                        block("Requests per workflow", workflows),
                        block("Inbox per user (pending steps they may act on now)", summary["inbox"]),
                        "\n".join([f"Requests past their SLA ({summary['past_sla']})"] + late)])
