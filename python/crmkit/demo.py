"""The demo organisation: teams, users with managers, ~5,000 customers with realistic Chinese and
English names, contacts, tags, custom fields and lifecycle stages, then four months of the customer
relationship process (interactions, follow-up tasks, revisits, tickets, orders and refunds, the public
pool). Deterministic for a seed."""

import collections
import datetime as _dt
import random

from .cli.output import width as display_width

from . import Conflict, ValidationError, demo_pipeline

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建红晶宇浩凯健俊帆帅旭宁欣悦琳雪梅婷颖佳怡"
CITIES = ["上海", "北京", "深圳", "杭州", "苏州", "南京", "广州", "成都", "武汉", "西安", "宁波", "青岛", "厦门", "天津", "重庆"]
WORDS = ["华信", "瑞丰", "金桥", "恒通", "明德", "宏远", "盛世", "天成", "博雅", "新锐", "同创", "鼎盛", "云帆", "嘉禾", "众联"]
KINDS = ["科技", "制造", "贸易", "电子", "机械", "能源", "软件", "物流", "医疗器械", "新材料"]
EN_FIRST = ["James", "Mary", "John", "Linda", "Michael", "Sarah", "David", "Emma", "Daniel", "Olivia", "Lucas", "Sophie"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Lewis", "Walker", "Young"]
EN_COMPANY = ["Northwind", "Contoso", "Fabrikam", "Tailspin", "Woodgrove", "Litware", "Adatum", "Proseware", "Lucerne"]
EN_SUFFIX = ["Ltd.", "GmbH", "Inc.", "Trading Co.", "Systems", "Pte. Ltd."]
INDUSTRIES = ["制造", "软件", "能源", "零售", "医疗", "金融", "教育", "物流"]
SOURCES = ["展会", "官网", "转介绍", "电话营销", "合作伙伴", "LinkedIn"]
TAGS = ["VIP", "重点", "新客户", "老客户", "海外", "政府项目", "待激活", "高潜力"]
REGIONS = ["华东", "华南", "华北", "华中", "西南", "海外"]
TITLES = ["采购经理", "总经理", "IT主管", "财务总监", "CTO", "Procurement Lead", "运营经理"]
INTERACTION_KINDS = ["call", "call", "call", "wechat", "wechat", "email", "visit", "meeting", "other"]
SUMMARIES = ["确认需求", "报价已发送", "客户询问交期", "介绍新产品", "催款", "安排上门演示", "技术交流",
             "Follow-up on the proposal", "合同条款沟通", "客户反馈使用情况", "节日问候", "约下周拜访"]
SKUS = [("MES-基础版", 48000.0), ("MES-专业版", 128000.0), ("ERP-模块", 36000.0), ("实施服务(天)", 3200.0),
        ("年度维保", 18000.0), ("传感器套件", 860.0), ("培训课程", 5800.0)]
TICKETS = ["安装问题", "系统无法登录", "数据导入失败", "发票问题", "升级咨询", "Performance issue", "培训需求"]
START = "2025-09-01T09:00:00Z"
END = "2026-01-05T09:00:00Z"
# Saved segments and auto-tags the demo defines, so that `crmkit segments` has something to show.
SEGMENTS = {
    "高价值客户": "lifetime_value >= 100000",
    "流失风险": "days_since_contact > 30 and lifetime_value > 0",
    "华东制造业": 'region = "华东" and industry = "制造"',
}
AUTOTAGS = {"大客户": "lifetime_value >= 200000", "久未联系": "days_since_contact > 45"}
# build()'s progress calls: the organisation, customers, contacts, one per simulated week
# (18 weeks from START to END), the approval story, the segments.
PROGRESS_STEPS = 3 + 18 + 2


def _chinese_person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _company(rng):
    if rng.random() < 0.8:
        return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司"
    return f"{rng.choice(EN_COMPANY)} {rng.choice(['Asia', 'Global', 'China', 'Pacific'])} {rng.choice(EN_SUFFIX)}"


def _phone(rng):
    return f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"


def build(crm, customers=5000, seed=7, progress=None):
    """Fills an empty database and returns the summary dict (see render()). `progress(step)`, when
    given, is called with the name of each step as it ends (PROGRESS_STEPS calls in all)."""
    progress = progress or (lambda step: None)
    rng = random.Random(seed)
    crm.clock.freeze(START)
    crm.fields.add("customer", "region", type="enum", options=REGIONS)
    crm.fields.add("customer", "employees", type="integer", min=1, max=1_000_000)
    crm.fields.add("customer", "credit_limit", type="number", min=0)
    crm.fields.add("customer", "signed_on", type="date")

    with crm.transaction():
        hq = crm.teams.add("销售总部")
        east = crm.teams.add("华东销售部", parent=hq)
        south = crm.teams.add("华南销售部", parent=hq)
        overseas = crm.teams.add("International Sales", parent=hq)
        service = crm.teams.add("客户服务部", parent=hq)
        boss = crm.users.add("zhang.zong", name="张总", role="director", team=hq)
        crm.teams.set_lead(hq, boss)
        crm.users.add("finance.li", name="李会计", role="finance", team=hq, manager=boss)
        reps = []
        for team, manager_login, manager_name, names in [
            (east, "wang.jl", "王经理", ["Alice Wang", "陈静", "刘洋", "赵磊"]),
            (south, "huang.jl", "黄经理", ["林芳", "周杰", "吴敏"]),
            (overseas, "emma.clark", "Emma Clark", ["James Miller", "Sophie Young"]),
        ]:
            manager = crm.users.add(manager_login, name=manager_name, role="manager", team=team, manager=boss)
            crm.teams.set_lead(team, manager)
            for i, person in enumerate(names):
                login = f"{team.id}.{i}.{manager_login.split('.')[0]}"
                reps.append(crm.users.add(login, name=person, role="sales", team=team, manager=manager))
        crm.users.add("service.1", name="客服小周", role="service", team=service, manager=boss)
    progress("organisation")

    stages = crm.lifecycle.stages()
    rows = []
    for _ in range(customers):
        is_person = rng.random() < 0.15
        owner = rng.choice(reps) if rng.random() < 0.92 else None  # the rest sit in the public pool
        fields = {"region": rng.choice(REGIONS), "employees": rng.randrange(5, 20000)}
        if rng.random() < 0.5:
            fields["credit_limit"] = float(rng.randrange(10, 500) * 1000)
        if rng.random() < 0.4:
            fields["signed_on"] = f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        rows.append({
            "name": _chinese_person(rng) if is_person else _company(rng),
            "kind": "person" if is_person else "company",
            "industry": rng.choice(INDUSTRIES),
            "owner": owner,
            "source": rng.choice(SOURCES),
            "phone": _phone(rng),
            "stage": rng.choices(stages, weights=[30, 35, 15, 12, 8])[0],
            "tags": rng.sample(TAGS, rng.choice((0, 1, 1, 2, 3))),
            "fields": fields,
        })
    ids = crm.customers.add_many(rows)
    progress("customers")
    with crm.transaction():
        for cid in rng.sample(ids, min(len(ids), customers // 2)):
            for _ in range(rng.choice((1, 1, 2))):
                english = rng.random() < 0.2
                name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}" if english else _chinese_person(rng)
                crm.contacts.add(cid, name=name, title=rng.choice(TITLES), phone=_phone(rng))
    progress("contacts")
    relationship(crm, rng, ids, reps, progress)
    summary = summarize(crm)  # as of the demo's last day, while the clock still stands there
    # Then two weeks of the opportunity approval process on the same organisation.
    demo_pipeline.build(crm, rng)
    summary["approvals"] = demo_pipeline.summarize(crm)
    progress("approvals")
    summary["segments"] = define_segments(crm)
    progress("segments")
    crm.clock.unfreeze()
    return summary


def define_segments(crm):
    """The demo's saved segments and auto-tags, applied as of the clock; returns the member counts."""
    for name, rule in SEGMENTS.items():
        crm.segments.define(name, rule)
    for tag, rule in AUTOTAGS.items():
        crm.autotags.add(tag, rule)
    crm.autotags.apply()
    return {name: crm.segments.count(name) for name in SEGMENTS}


def relationship(crm, rng, ids, reps, progress=lambda step: None):
    """Four months, a week at a time: reps log interactions (some with a follow-up date) and close
    most of their due tasks, customers order, refund now and then and open tickets that get closed
    with a satisfaction score; the VIP revisit plan and the pool rules run every week."""
    crm.pool.set_rules(idle_days=45, no_deal_days=180, warn_days=5, max_held_per_user=1500,
                       max_claims_per_day=10, reclaim_cooldown_days=7, exempt_won=True)
    crm.revisits.plan("VIP月度回访", tag="VIP", every_days=30, assignee="owner")
    active = set(rng.sample(ids, int(len(ids) * 0.8)))  # the rest go quiet and drift to the pool
    end = _dt.datetime.fromisoformat(END.replace("Z", "+00:00"))
    week = 0
    while crm.clock.now() < end:
        now = crm.clock.now()
        with crm.transaction():
            owners = dict(zip(crm.customers.find().column("id"), crm.customers.find().column("owner_id")))
            owned_active = [c for c in ids if c in active and owners.get(c) is not None]
            rows = []
            for _ in range(len(owned_active) // 2):
                cid = rng.choice(owned_active)
                row = {"customer": cid, "kind": rng.choice(INTERACTION_KINDS), "by": owners[cid],
                       "summary": rng.choice(SUMMARIES), "at": now - _dt.timedelta(days=rng.random() * 6.5)}
                if rng.random() < 0.2:
                    row["next_follow_up"] = (now + _dt.timedelta(days=rng.randrange(1, 21))).date()
                rows.append(row)
            crm.interactions.log_many(rows)
            orders = []
            for _ in range(len(owned_active) // 40):
                sku, price = rng.choice(SKUS)
                qty = rng.choice((1, 1, 1, 2, 3, 5, 10))
                orders.append({"customer": rng.choice(owned_active), "amount": price * qty,
                               "at": now - _dt.timedelta(days=rng.random() * 6.5),
                               "items": [{"sku": sku, "qty": qty, "price": price}]})
            order_ids = crm.orders.add_many(orders)
            for oid in rng.sample(order_ids, min(len(order_ids), 2)):
                if rng.random() < 0.5:
                    crm.orders.refund(oid, amount=round(crm.orders.get(oid).amount * rng.choice((0.1, 0.5, 1.0)), 2),
                                      note="退货")
            for _ in range(12):
                crm.tickets.open(rng.choice(owned_active), title=rng.choice(TICKETS))
            for row in crm.tickets.list(status="open").rows():
                if rng.random() < 0.7:
                    crm.tickets.close(row["id"], satisfaction=rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 5, 12, 10))[0])
            for row in crm.tasks.due(before=now + _dt.timedelta(days=1)).rows():
                if rng.random() < 0.8:
                    crm.tasks.complete(row["id"])
            crm.revisits.run()
            pool = list(crm.pool.list(limit=40).column("id"))
            for cid in pool[: rng.randrange(0, 15)]:
                try:
                    crm.pool.claim(cid, by=rng.choice(reps))
                except (ValidationError, Conflict):  # the quota and cool-down are part of the story
                    pass
            crm.pool.reclaim_idle()
        crm.clock.advance(days=7)
        week += 1
        progress(f"week {week}")
    return week


def summarize(crm):
    """Counts per team, owner, stage and tag, from the engine's own tables."""
    users = {u["id"]: u for u in crm.users.list().rows()}
    teams = {t["id"]: t["name"] for t in crm.teams.list().rows()}
    table = crm.customers.find()
    owners = table.column("owner_id")
    per_owner = collections.Counter(owners)
    per_team = collections.Counter(
        teams.get(users[o]["team_id"], "-") if o is not None else "公海 (public pool)" for o in owners)
    per_stage = collections.Counter(table.column("stage"))
    per_tag = collections.Counter(tag for tags in table.column("tags") for tag in tags)
    ltv = sorted(zip(table.column("lifetime_value"), table.column("name"), table.column("order_count")),
                 key=lambda r: -r[0])
    return {
        "customers": len(table),
        "users": len(users),
        "teams": len(teams),
        "per_team": dict(per_team.most_common()),
        "per_owner": {(users[o]["name"] if o is not None else "公海 (public pool)"): n
                      for o, n in per_owner.most_common()},
        "per_stage": {s: per_stage.get(s, 0) for s in crm.lifecycle.stages()},
        "per_tag": dict(per_tag.most_common()),
        "interactions": len(crm.interactions.list(limit=None)),
        "orders": len(crm.orders.list()),
        "tickets": len(crm.tickets.list()),
        "open_tasks": len(crm.tasks.list(status="open")),
        "overdue_tasks": len(crm.tasks.overdue()),
        "pool_size": per_owner.get(None, 0),
        "top_customers": {f"{name} ({orders} orders)": round(value, 2) for value, name, orders in ltv[:10]},
    }


def render(summary):
    def block(title, counts):
        # Padded by display width: Chinese names take two columns each.
        width = max((display_width(str(k)) for k in counts), default=0)
        lines = [title]
        lines += [f"  {str(k)}{' ' * (width - display_width(str(k)))}  {v:>6}" for k, v in counts.items()]
        return "\n".join(lines)

    head = (f"crmkit demo: {summary['customers']} customers, {summary['users']} users, "
            f"{summary['teams']} teams")
    process = {"interactions": summary["interactions"], "orders (incl. refunds)": summary["orders"],
               "tickets": summary["tickets"], "open tasks": summary["open_tasks"],
               "overdue tasks": summary["overdue_tasks"], "customers in the pool": summary["pool_size"]}
    top = {name: f"{value:,.2f}" for name, value in summary["top_customers"].items()}
    approvals = [demo_pipeline.render(summary["approvals"])] if "approvals" in summary else []
    return "\n\n".join([head, block("Relationship process", process),
                        block("Top customers by lifetime value", top),
                        block("Customers per team", summary["per_team"]),
                        block("Customers per owner", summary["per_owner"]),
                        block("Customers per lifecycle stage", summary["per_stage"]),
                        block("Customers per tag", summary["per_tag"])]
                       + ([block("Saved segments", summary["segments"])] if "segments" in summary else [])
                       + approvals)
