# %% [markdown]
# # Sales reports
#
# `crm.reports` computes the standard sales-operations reports inside the engine and returns each
# as a `Table` (`.to_pandas()` for a DataFrame). This notebook first generates five months of
# realistic activity — leads from several sources, a few hundred opportunities moving through the
# pipeline, approvals with waits that vary by step, interactions, tasks, tickets and orders — on
# a frozen clock that the simulation moves forward event by event, exactly as a real day would.
# Then it runs every report: funnel, conversion by source, win rate by owner, velocity, stage
# durations, forecast, repurchase rate, activity, lifecycle and approval-step analytics.
#
# Every report takes `start=` / `end=` (a half-open window on its documented timestamp),
# `owner=`, `team=` and `where=` (a rule), and respects the scope of a `crm.as_user(...)` view.
# The definitions are in docs/reports.md.

# %%
import datetime as dt
import heapq
import itertools
import math
import os
import random
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import crmkit
from crmkit import charts

# The data is Chinese, so are the charts' labels when a CJK font is installed (`make deps`
# installs one); without one they fall back to English instead of drawing empty boxes.
ZH = charts.use_cjk_font() is not None


def label(zh, en):
    """A chart label: Chinese when a CJK font is installed, else English."""
    return zh if ZH else en


img_dir = Path(os.environ.get("CRMKIT_IMG_DIR", "."))
db_file = Path("reports.db")
for suffix in ("", "-wal", "-shm"):               # start from an empty database on every run
    Path(f"{db_file}{suffix}").unlink(missing_ok=True)

UTC = dt.timezone.utc
START = dt.datetime(2026, 1, 5, 9, tzinfo=UTC)
END = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)
rng = random.Random(2026)

crm = crmkit.open(str(db_file))
crm.clock.freeze(START)
STAGES = crm.pipeline.stages()
# Stage names as the charts show them: the stages themselves, or English without a CJK font.
STAGE_LABEL = {s: label(s, en) for s, en in
               zip(STAGES, ["Initial contact", "Needs confirmed", "Proposal", "Negotiation", "Won", "Lost"])}
STAGES

# %% [markdown]
# ## The organisation and its workflows
# Two sales teams of three reps each, their managers, a director, two people in finance, a legal
# reviewer (a custom role) and an administrator. Two approval workflows:
#
# * **opportunity_initiation** — a deal entering 需求确认 from 100,000 up needs the owner's manager
#   (24-hour SLA, then the director is added), from 1,000,000 also the director, from 500,000 also
#   finance;
# * **contract_review** — a contract is submitted by the rep: legal review first, then finance.

# %%
crm.roles.define("legal", customers="all", opportunities="all", leads="none", approve=True)
hq = crm.teams.add("销售总部")
east = crm.teams.add("华东销售部", parent=hq)
south = crm.teams.add("华南销售部", parent=hq)
director = crm.users.add("zhang", name="张总", role="director", team=hq)
managers = {east.id: crm.users.add("wang", name="王经理", role="manager", team=east, manager=director),
            south.id: crm.users.add("chen", name="陈经理", role="manager", team=south, manager=director)}
reps = [crm.users.add(login, name=name, role="sales", team=team, manager=managers[team.id])
        for login, name, team in [("alice", "Alice Wang", east), ("bob", "刘洋", east), ("lina", "李娜", east),
                                  ("carol", "Carol Chen", south), ("zhaoq", "赵强", south), ("sunl", "孙磊", south)]]
finance = [crm.users.add("fin.li", name="李会计", role="finance", team=hq),
           crm.users.add("fin.zhao", name="赵会计", role="finance", team=hq)]
legal = crm.users.add("legal.he", name="何律师", role="legal", team=hq)
admin = crm.users.add("admin", name="系统管理员", role="admin", team=hq)
user_id = {u["login"]: u["id"] for u in crm.users.list()}

crm.workflows.define({
    "name": "opportunity_initiation", "entity": "opportunity",
    "trigger": {"on": "stage_enter", "stage": "需求确认"},
    "when": "amount >= 100000",
    "steps": [
        {"name": "manager", "approvers": "owner.manager", "sla_hours": 24, "escalate_to": "approver.manager"},
        {"name": "director", "approvers": {"role": "director"}, "when": "amount >= 1000000"},
        {"name": "finance", "approvers": {"role": "finance"}, "when": "amount >= 500000"}],
    "on_approve": {"advance": True},
    "on_reject": {"stage": "初步接洽"}})
crm.workflows.define({
    "name": "contract_review", "entity": "contract", "trigger": {"on": "submit"},
    "steps": [{"name": "legal", "approvers": {"role": "legal"}},
              {"name": "finance", "approvers": {"role": "finance"}}]})
crm.workflows.list().to_pandas()

# %% [markdown]
# ## Five months of activity
# The simulation keeps a queue of timed events. For each event it moves the frozen clock to the
# event's time (`crm.clock.freeze(t)`) and makes the ordinary API calls a person would make then:
# qualifying a lead, advancing a deal, approving a step, logging a call. So every timestamp the
# reports read — stage history, approval waits, closing dates — comes from the engine itself.
#
# The assumptions, which the reports below should recover:
#
# * lead sources differ in quality: referrals (转介绍) and partners (合作伙伴) are qualified and
#   converted far more often than cold calls (电话营销);
# * reps differ in skill: alice and carol lose fewer deals at every stage, zhaoq loses more;
# * managers answer within hours, but sometimes forget (and the SLA escalates to the director);
#   finance takes two days or so and never says no; legal takes longer still and almost never
#   says no.

# %%
SOURCES = {"官网": (0.55, 0.45), "展会": (0.5, 0.5), "转介绍": (0.8, 0.75), "电话营销": (0.3, 0.3),
           "合作伙伴": (0.7, 0.6)}                      # (qualify probability, convert probability)
SKILL = dict(zip((r.id for r in reps), [1.5, 0.9, 1.0, 1.3, 0.7, 1.0]))      # alice and carol close best
COMPANIES = ["华信", "瑞丰", "金桥", "恒通", "明德", "宏远", "盛世", "天成", "博雅", "新锐", "同创", "鼎盛", "云帆"]
CITIES = ["上海", "苏州", "杭州", "深圳", "广州", "成都", "武汉", "南京"]
PROJECTS = ["MES项目", "ERP升级", "WMS仓储", "数据中台", "设备联网", "质量追溯", "能耗管理"]
KINDS = ["call", "call", "visit", "email", "wechat", "meeting"]
# Approval waits (hours, log-normal: median and spread) and reject probability per (workflow, step)
WAITS = {("opportunity_initiation", "manager"): (4, 1.1, 0.12),
         ("opportunity_initiation", "director"): (10, 0.8, 0.08),
         ("opportunity_initiation", "finance"): (40, 0.5, 0.0),
         ("contract_review", "legal"): (60, 0.45, 0.01),
         ("contract_review", "finance"): (6, 0.7, 0.05)}

queue, seq = [], itertools.count()

def at(when, fn, *args):
    heapq.heappush(queue, (when, next(seq), fn, args))

def later(days, fn, *args):
    at(crm.clock.now() + dt.timedelta(days=days), fn, *args)

def company():
    return rng.choice(CITIES) + rng.choice(COMPANIES) + rng.choice(["科技", "制造", "电子", "物流"]) + "有限公司"

def amount():
    return float(min(5_000_000, max(20_000, round(rng.lognormvariate(math.log(250_000), 1.0), -3))))

# %% [markdown]
# Existing customers, each in a lifecycle stage and with up to a year of order history, come
# first; their orders feed the repurchase report.

# %%
customer_ids = crm.customers.add_many([
    {"name": company() + f"{i:03d}", "owner": rng.choice(reps), "source": rng.choice(list(SOURCES)),
     "industry": rng.choice(["制造", "零售", "物流", "能源", "软件"]),
     "stage": rng.choices(["prospect", "active", "loyal"], weights=[3, 5, 2])[0]} for i in range(160)])
history = []
for cid in customer_ids:
    day = START - dt.timedelta(days=rng.uniform(60, 420))
    while day < START:
        history.append({"customer": cid, "amount": float(round(rng.uniform(2_000, 40_000), -2)), "at": day})
        day += dt.timedelta(days=rng.expovariate(1 / 110))
crm.orders.add_many(history)
print(len(customer_ids), "customers,", len(history), "orders before", START.date())

# %% [markdown]
# The events. Each function does what one person does at that moment and schedules what comes
# next.

# %%
def new_lead():
    source = rng.choices(list(SOURCES), weights=[30, 20, 12, 25, 13])[0]
    lead = crm.leads.add(name=rng.choice("王李张刘陈杨赵黄") + rng.choice(["先生", "女士", "工", "总"]),
                         company=company(), phone=f"139{rng.randrange(10**8):08d}", source=source)
    later(rng.uniform(0.2, 4), screen_lead, lead.id)
    later(rng.expovariate(1 / 0.35), new_lead)                       # about three leads a day

def screen_lead(lead_id):
    source = crm.leads.get(lead_id).source
    if rng.random() < SOURCES[source][0]:
        crm.leads.qualify(lead_id, by=rng.choice(reps))
        later(rng.uniform(1, 10), convert_lead, lead_id)
    else:
        crm.leads.disqualify(lead_id, reason=rng.choice(["无预算", "无需求", "联系不上"]))

def convert_lead(lead_id):
    lead = crm.leads.get(lead_id)
    if rng.random() < SOURCES[lead.source][1]:
        res = crm.leads.convert(lead_id, by=lead.owner_id, opportunity={
            "title": rng.choice(PROJECTS), "amount": amount(),
            "close_date": (crm.clock.now() + dt.timedelta(days=rng.uniform(30, 120))).date()})
        later(rng.expovariate(1 / 6), step_deal, res.opportunity.id)
    else:
        crm.leads.disqualify(lead_id, reason="竞品中标")

def new_deal():
    """Repeat business: an existing customer starts another project."""
    cid = rng.choice(customer_ids)
    c = crm.customers.get(cid)
    opp = crm.opportunities.add(customer=cid, title=rng.choice(PROJECTS), amount=amount(), owner=c.owner_id,
                                close_date=(crm.clock.now() + dt.timedelta(days=rng.uniform(30, 120))).date())
    later(rng.expovariate(1 / 6), step_deal, opp.id)
    later(rng.expovariate(1 / 1.2), new_deal)

def step_deal(opp_id):
    opp = crm.opportunities.get(opp_id)
    if opp.status != "open" or opp.locked:
        return
    skill = SKILL[opp.owner_id]
    lose = {"初步接洽": 0.15, "需求确认": 0.05, "方案报价": 0.25, "商务谈判": 0.35}[opp.stage] / skill
    if rng.random() < lose:
        crm.opportunities.lose(opp_id, reason=rng.choice(["价格", "竞品", "预算取消", "需求变化"]), by=opp.owner_id)
    elif opp.stage == "商务谈判":
        if opp.amount >= 300_000:
            contract = crm.documents.add(opp_id, "contract", title=f"{opp.title}合同", amount=opp.amount)
            req = crm.approvals.submit("contract", contract, by=opp.owner_id)
            follow(req.id, lambda status: close_after_contract(opp_id, status))
        else:
            close_deal(opp_id)
    else:
        opp = crm.opportunities.advance(opp_id, by=opp.owner_id)
        if opp.locked:                                            # the move started an approval
            follow(opp.locked_by_request, lambda status: after_initiation(opp_id, status))
        else:
            later(rng.expovariate(1 / 9), step_deal, opp_id)

def after_initiation(opp_id, status):
    if status == "approved":                                      # on_approve moved it to 方案报价
        later(rng.expovariate(1 / 9), step_deal, opp_id)
    elif rng.random() < 0.5:                                      # rejected: back to 初步接洽
        later(rng.uniform(3, 15), step_deal, opp_id)
    else:
        crm.opportunities.lose(opp_id, reason="立项未通过", by=crm.opportunities.get(opp_id).owner_id)

def close_after_contract(opp_id, status):
    if status == "approved":
        later(rng.uniform(0.5, 3), close_deal, opp_id, True)
    else:
        crm.opportunities.lose(opp_id, reason="合同条款", by=crm.opportunities.get(opp_id).owner_id)

def close_deal(opp_id, sure=False):
    opp = crm.opportunities.get(opp_id)
    if opp.status != "open":
        return
    if sure or rng.random() < min(0.95, 0.6 * SKILL[opp.owner_id]):
        crm.opportunities.win(opp_id, by=opp.owner_id)
        crm.orders.add(opp.customer_id, amount=opp.amount, note=opp.title)
        if crm.customers.get(opp.customer_id).stage == "prospect":
            crm.customers.set_stage(opp.customer_id, "active")
    else:
        crm.opportunities.lose(opp_id, reason=rng.choice(["价格", "竞品"]), by=opp.owner_id)

# Approvals: someone on the current step decides after a wait drawn for that step.
def follow(request_id, done):
    req = crm.approvals.get(request_id)
    if req.status != "pending":
        done(req.status)
        return
    median, spread, reject = WAITS[(req.workflow, req.current_step)]
    hours = rng.lognormvariate(math.log(median), spread)
    later(hours / 24, decide, request_id, req.current_step, reject, done)

def decide(request_id, step, reject, done):
    req = crm.approvals.get(request_id)
    if req.status == "pending" and req.current_step == step:
        current = [s for s in crm.approvals.steps(request_id) if s.status == "pending"][0]
        by = user_id[rng.choice(current.approvers)]          # escalated approvers may answer too
        if rng.random() < reject:
            crm.approvals.reject(request_id, by=by, comment="不同意")
        else:
            crm.approvals.approve(request_id, by=by, comment="同意")
    follow(request_id, done)

# The rest of a working day: calls and visits, follow-up tasks, tickets, repeat orders, and the
# scheduler that applies SLA escalations every hour.
def workday():
    now = crm.clock.now()
    owners = dict(zip(crm.customers.find().column("id"), crm.customers.find().column("owner_id")))
    rows = []
    for rep in reps:
        mine = [c for c, o in owners.items() if o == rep.id]
        for _ in range(rng.randrange(2, 7)):
            row = {"customer": rng.choice(mine), "kind": rng.choice(KINDS), "by": rep,
                   "summary": "沟通进展", "at": now - dt.timedelta(hours=rng.uniform(0, 8))}
            if rng.random() < 0.3:
                row["next_follow_up"] = (now + dt.timedelta(days=rng.randrange(1, 10))).date()
            rows.append(row)
    crm.interactions.log_many(rows)
    for task in crm.tasks.due(before=now).rows():
        if rng.random() < 0.6 * SKILL.get(task["assignee_id"], 1.0):
            crm.tasks.complete(task["id"])
    if rng.random() < 0.5:
        cid = rng.choice(customer_ids)
        crm.tickets.open(cid, title=rng.choice(["安装问题", "培训需求", "发票问题"]), by=owners[cid])
    for t in crm.tickets.list(status="open").rows():
        if rng.random() < 0.3:
            crm.tickets.close(t["id"], satisfaction=rng.choices([2, 3, 4, 5], weights=[1, 3, 8, 6])[0],
                              by=owners[t["customer_id"]])
    buyers = rng.sample(customer_ids, rng.randrange(0, 4))
    crm.orders.add_many([{"customer": c, "amount": float(round(rng.uniform(2_000, 40_000), -2)),
                          "at": now - dt.timedelta(hours=rng.uniform(0, 8))} for c in buyers])
    later(1 if now.weekday() < 4 else 3, workday)                    # Monday to Friday

def weekly_lifecycle():
    for c in crm.customers.find(stage="active", limit=200):
        if c.id in customer_ids and rng.random() < 0.04:
            crm.customers.set_stage(c.id, "at_risk")
        elif c.id in customer_ids and rng.random() < 0.05:
            crm.customers.set_stage(c.id, "loyal")
    for c in crm.customers.find(stage="at_risk", limit=200):
        if rng.random() < 0.25:
            crm.customers.set_stage(c.id, rng.choice(["churned", "active"]))
    later(7, weekly_lifecycle)

def escalations():
    crm.approvals.escalate_overdue()
    later(1 / 24, escalations)

# %%
for fn in (new_lead, new_deal, workday, weekly_lifecycle, escalations):
    at(START, fn)
events = 0
while queue and queue[0][0] < END:
    when, _, fn, args = heapq.heappop(queue)
    crm.clock.freeze(when)
    fn(*args)
    events += 1
crm.clock.freeze(END)
opps = crm.opportunities.find().to_pandas()
print(events, "events;", len(crm.leads.list()), "leads;", len(opps), "opportunities;",
      len(crm.approvals.list()), "approval requests; now", crm.clock.now())
opps.status.value_counts()

# %% [markdown]
# ## Funnel
# One row per stage. `count` / `amount` are the deals open in that stage now; `reached` counts
# every deal that ever got to the stage or beyond (skipping a stage counts as passing it), and
# `conversion_to_next` is the share of those that got one stage further.

# %%
funnel = crm.reports.funnel().to_pandas()
funnel

# %%
progress = funnel[funnel.stage != "输单"]
fig, ax = plt.subplots(figsize=(7, 4))
labels = [STAGE_LABEL[s] for s in progress.stage]
ax.barh(labels, progress.reached, color="#3b7dd8")
ax.invert_yaxis()
for y, (reached, conv) in enumerate(zip(progress.reached, progress.conversion_to_next)):
    note = f"{reached}" + ("" if pd.isna(conv) else label(f"   （{conv:.0%} 进入下一阶段）", f"   ({conv:.0%} go on)"))
    ax.text(reached + progress.reached.max() * 0.01, y, note, va="center", fontsize=9)
ax.set_xlim(0, progress.reached.max() * label(1.45, 1.3))   # room for the notes
ax.set_xlabel(label("到达该阶段的商机数", "opportunities that reached the stage"))
ax.set_ylabel(label("销售阶段", "pipeline stage"))
ax.set_title(label("销售漏斗（2026年1月至5月）", "Pipeline funnel, January to May 2026"))
fig.savefig(img_dir / "funnel.png", dpi=110, bbox_inches="tight")

# %% [markdown]
# ## Lead conversion by source
# Leads created in the window, how many were qualified, converted and finally won — with the
# rates between the steps. The source assumptions show up clearly.

# %%
crm.reports.conversion(by="source").to_pandas()

# %% [markdown]
# ## Win rate by owner
# Over deals closed (won or lost) in the window. Filters combine: the second table is the east
# team only, for deals closed since April.

# %%
crm.reports.win_rate(by="owner").to_pandas()

# %%
crm.reports.win_rate(by="owner", team=east, start="2026-04-01").to_pandas()

# %% [markdown]
# ## Pipeline velocity
# Open deals × win rate × average won amount ÷ average cycle length: the amount the pipeline
# turns into revenue per day. With a window, only deals closed in it count toward the rates.

# %%
pd.concat([crm.reports.velocity().to_pandas().assign(window="all"),
           crm.reports.velocity(start="2026-04-01").to_pandas().assign(window="since April")])

# %% [markdown]
# ## Time spent in each stage
# Per stage: median, mean and 90th percentile of the days a deal stays there (repeated stays of a
# deal in one stage are added up). A long stay in 需求确认 is time spent waiting for approval.

# %%
durations = crm.reports.stage_durations().to_pandas()
durations

# %%
d = durations.dropna(subset=["median_days"])
fig, ax = plt.subplots(figsize=(7, 4))
x = range(len(d))
ax.bar([i - 0.2 for i in x], d.median_days, width=0.4, label=label("中位数", "median"), color="#3b7dd8")
ax.bar([i + 0.2 for i in x], d.p90_days, width=0.4, label=label("90 分位", "90th percentile"), color="#9cc0ef")
ax.set_xticks(list(x), [STAGE_LABEL[s] for s in d.stage])
ax.set_xlabel(label("销售阶段", "pipeline stage"))
ax.set_ylabel(label("停留天数", "days in stage"))
ax.set_title(label("商机在各阶段停留多久", "How long opportunities stay in each stage"))
ax.legend()
fig.savefig(img_dir / "stage_durations.png", dpi=110, bbox_inches="tight")

# %% [markdown]
# ## Forecast by month
# Open deals are placed in the month of their expected close date, weighted by the stage's
# probability; won deals in the month they closed. For months that have ended the forecast is what
# was won; for the others, won plus the weighted pipeline.

# %%
forecast = crm.reports.forecast(period="month").to_pandas()
forecast

# %%
f = forecast
fig, ax = plt.subplots(figsize=(8, 4.2))
ax.bar(f.period, f.won_amount / 1e6, label=label("已赢单", "won"), color="#3b9d5d")
ax.bar(f.period, f.weighted_amount / 1e6, bottom=f.won_amount / 1e6,
       label=label("在途商机（按赢率加权）", "weighted open pipeline"),
       color="#9cc0ef")
ahead = f[~f.period_closed]
ax.plot(ahead.period, (ahead.won_amount + ahead.pipeline_amount) / 1e6, "o", color="#555555",
        label=label("若在途商机全部赢单", "if every open deal were won"))
ax.axvline(len(f) - len(ahead) - 0.5, color="#999999", linestyle=":")
ax.set_ylim(0, max((f.won_amount + f.pipeline_amount).max(), f.forecast.max()) / 1e6 * 1.15)
ax.set_xlabel(label("月份（在途商机按预计成交日，已赢单按成交日）",
                    "month (expected close date for open deals, close date for won deals)"))
ax.set_ylabel(label("金额（百万元）", "amount (millions)"))
ax.set_title(label("按月收入预测（虚线：今天）", "Revenue forecast by month (dotted line: today)"))
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
fig.savefig(img_dir / "forecast.png", dpi=110, bbox_inches="tight")

# %% [markdown]
# ## Repurchase rate
# Per quarter: the customers who bought, and the share of them who had bought before the quarter
# started. The window picks the quarters to report (here from 2025, leaving out the quarter where
# the order history begins); "bought before" always looks at the whole history.

# %%
crm.reports.repurchase_rate(period="quarter", start="2025-01-01").to_pandas()

# %% [markdown]
# ## Activity by owner
# What each person did in the window: interactions logged, tasks done, tickets opened and closed
# (and the satisfaction on those), plus the tasks overdue right now.

# %%
crm.reports.activity(by="owner", start="2026-05-01").to_pandas()

# %% [markdown]
# ## Customer lifecycle
# Customers per lifecycle stage now, and how many entered or left each stage in the window;
# `lifecycle_flows` breaks the moves down by origin and destination.

# %%
crm.reports.lifecycle(start="2026-01-01").to_pandas()

# %%
crm.reports.lifecycle_flows(start="2026-01-01").to_pandas()

# %% [markdown]
# ## Approval steps: where the waiting is
# Per workflow step: how many requests went through, how they ended, the median and 90th
# percentile wait, and each step's share of its workflow's total waiting time. Two flags:
#
# * `pure_delay` — at least 20 decisions, a reject rate under 2% and a median wait over a day: a
#   step that waits long and almost never says no (a candidate for an automatic decision or a
#   higher threshold);
# * `bottleneck` — the step with the largest share of its workflow's waiting, if that share is at
#   least half.

# %%
steps = crm.reports.approval_steps().to_pandas()
steps[["workflow", "step", "requests", "approved", "rejected", "skipped", "pending", "reject_rate",
       "escalations", "median_wait_hours", "p90_wait_hours", "wait_share", "pure_delay", "bottleneck"]]

# %%
s = steps[steps.median_wait_hours.notna()].reset_index(drop=True)
labels = [f"{w}\n{st}" for w, st in zip(s.workflow, s.step)]
fig, ax = plt.subplots(figsize=(8, 4.8))
y = range(len(s))
ax.barh([i - 0.2 for i in y], s.median_wait_hours, height=0.4, label=label("等待中位数", "median wait"),
        color="#3b7dd8")
ax.barh([i + 0.2 for i in y], s.p90_wait_hours, height=0.4, label=label("等待 90 分位", "90th percentile wait"),
        color="#9cc0ef")
for i, row in s.iterrows():
    flags = [name for name, on in ((label("纯等待", "pure delay"), row.pure_delay),
                                   (label("瓶颈", "bottleneck"), row.bottleneck)) if on]
    if flags:
        ax.axhspan(i - 0.45, i + 0.45, color="#f3c969", alpha=0.35, zorder=0)
        ax.text(row.p90_wait_hours + 2, i + 0.2, " + ".join(flags), va="center", fontsize=9, color="#8a5a00")
ax.set_yticks(list(y), labels, fontsize=9)
ax.invert_yaxis()
ax.set_xlim(0, s.p90_wait_hours.max() * 1.45)
ax.set_xlabel(label("从步骤开始到决定的小时数", "hours from the step starting to its decision"))
ax.set_ylabel(label("流程 / 步骤", "workflow / step"))
ax.set_title(label("各审批步骤的等待时间（标记的步骤高亮）", "Approval waits per step (flagged steps highlighted)"))
ax.legend(loc="center right")
fig.savefig(img_dir / "approval_steps.png", dpi=110, bbox_inches="tight")

# %% [markdown]
# The thresholds are parameters. A stricter definition of "pure delay" (a median wait over two
# days), and the same report for the east team only:

# %%
strict = crm.reports.approval_steps(min_median_wait_hours=48)
east_only = crm.reports.approval_steps(team=east)
pd.DataFrame({"step": [f"{r['workflow']}/{r['step']}" for r in strict],
              "pure_delay (default)": steps.pure_delay.tolist(),
              "pure_delay (strict)": [r["pure_delay"] for r in strict],
              "requests (east team)": [r["requests"] for r in east_only]})

# %% [markdown]
# ## Scoped reports
# A manager's view counts only their team's records — the same report call, filtered by the
# engine:

# %%
wang_view = crm.as_user(managers[east.id])
pd.DataFrame({"stage": funnel.stage, "everyone": funnel.reached,
              "east manager's view": wang_view.reports.funnel().to_pandas().reached})

# %%
crm.close()
