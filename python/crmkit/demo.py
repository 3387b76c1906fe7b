"""The demo organisation: teams, users with managers, ~5,000 customers with realistic Chinese and
English names, contacts, tags, custom fields and lifecycle stages. Deterministic for a seed."""

import collections
import random

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


def _chinese_person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _company(rng):
    if rng.random() < 0.8:
        return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司"
    return f"{rng.choice(EN_COMPANY)} {rng.choice(['Asia', 'Global', 'China', 'Pacific'])} {rng.choice(EN_SUFFIX)}"


def _phone(rng):
    return f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"


def build(crm, customers=5000, seed=7):
    """Fills an empty database and returns the summary dict (see render())."""
    rng = random.Random(seed)
    crm.clock.freeze("2026-01-05T09:00:00Z")
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
    with crm.transaction():
        for cid in rng.sample(ids, min(len(ids), customers // 2)):
            for _ in range(rng.choice((1, 1, 2))):
                english = rng.random() < 0.2
                name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}" if english else _chinese_person(rng)
                crm.contacts.add(cid, name=name, title=rng.choice(TITLES), phone=_phone(rng))
    crm.clock.unfreeze()
    return summarize(crm)


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
    return {
        "customers": len(table),
        "users": len(users),
        "teams": len(teams),
        "per_team": dict(per_team.most_common()),
        "per_owner": {(users[o]["name"] if o is not None else "公海 (public pool)"): n
                      for o, n in per_owner.most_common()},
        "per_stage": {s: per_stage.get(s, 0) for s in crm.lifecycle.stages()},
        "per_tag": dict(per_tag.most_common()),
    }


def render(summary):
    def block(title, counts):
        width = max((len(str(k)) for k in counts), default=0)
        lines = [title]
        lines += [f"  {str(k):<{width}}  {v:>6}" for k, v in counts.items()]
        return "\n".join(lines)

    head = (f"crmkit demo: {summary['customers']} customers, {summary['users']} users, "
            f"{summary['teams']} teams")
    return "\n\n".join([head, block("Customers per team", summary["per_team"]),
                        block("Customers per owner", summary["per_owner"]),
                        block("Customers per lifecycle stage", summary["per_stage"]),
                        block("Customers per tag", summary["per_tag"])])
