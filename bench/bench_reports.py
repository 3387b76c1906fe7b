"""Reports: funnel, conversion and approval-step analytics over a large pipeline (issue 6).

The data (1,000,000 opportunities, 3,000,000 stage-history rows, 1,000,000 leads and 1,000,000
approval steps at scale 1) is written with sqlite3.executemany into a crmkit database. The
baseline is pandas computing the same definition (docs/reports.md) from DataFrames, timed as the
load from the same file plus the computation, since that is what a pandas user pays."""

import random
import sqlite3

import run

ENTRIES = ["funnel_vs_pandas", "conversion_vs_pandas", "approval_steps_vs_pandas"]

STAGES = [("初步接洽", 0.1), ("需求确认", 0.3), ("方案报价", 0.5), ("商务谈判", 0.7), ("赢单", 1.0), ("输单", 0.0)]
DAY = 86_400_000
HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01


def _build(path, scale):
    import crmkit

    n = max(1000, int(1_000_000 * scale))
    crm = crmkit.open(str(path))
    owners = [crm.users.add(f"rep{u}", name=f"Rep {u}").id for u in range(50)]
    cid = crm.customers.add(name="客户").id
    crm.close()
    rnd = random.Random(1)
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    opps, hist = [], []
    for i in range(1, n + 1):
        created = T0 + rnd.randrange(0, 500) * DAY
        steps = rnd.choice([0, 1, 2, 3])          # about 3 history rows per opportunity
        path, t = [0], created
        times = [t]
        for _ in range(steps):
            t += rnd.randrange(0, 30) * DAY
            path.append(rnd.randrange(0, 4))
            times.append(t)
        status = rnd.choice(["open", "open", "won", "lost"])
        if status != "open":
            t += rnd.randrange(0, 10) * DAY
            path.append(4 if status == "won" else 5)
            times.append(t)
        stage = STAGES[path[-1]][0]
        opps.append((i, cid, "商机", rnd.randrange(100, 10_000_000), owners[i % 50], stage,
                     None if i % 4 else 0.25, status, created, t, t if status != "open" else None))
        prev = None
        for s, at in zip(path, times):
            hist.append((cid, i, prev, STAGES[s][0], at))
            prev = STAGES[s][0]
    con.executemany("INSERT INTO opportunities(id, customer_id, title, amount_cents, owner_id, stage, probability, "
                    "status, created_at, updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", opps)
    con.executemany("INSERT INTO opportunity_stage_history(customer_id, opportunity_id, from_stage, to_stage, at) "
                    "VALUES (?,?,?,?,?)", hist)
    sources = ["官网", "展会", "转介绍", "广告", None]
    leads = []
    for i in range(1, n + 1):
        status = rnd.choice(["new", "qualified", "disqualified", "converted"])
        created = T0 + rnd.randrange(0, 500) * DAY
        leads.append(("线索", sources[i % 5], status, owners[i % 50], created, created,
                      created + DAY if status in ("qualified", "converted") else None,
                      created + 2 * DAY if status == "converted" else None,
                      rnd.randrange(1, n + 1) if status == "converted" else None))
    con.executemany("INSERT INTO leads(name, source, status, owner_id, created_at, updated_at, qualified_at, "
                    "converted_at, opportunity_id) VALUES (?,?,?,?,?,?,?,?,?)", leads)
    for w in range(5):
        con.execute("INSERT INTO workflows(id, name, version, entity, trigger_on, definition, created_at) "
                    "VALUES (?,?,1,'opportunity','submit','{}',0)", (w + 1, f"workflow_{w}"))
    names = ["manager", "director", "finance"]
    requests, steps = [], []
    for r in range(1, n // 3 + 1):
        requests.append((r, r % 5 + 1, "opportunity", r, "pending", T0, T0))
        for k, name in enumerate(names):
            started = T0 + rnd.randrange(0, 500 * 24) * HOUR
            status = rnd.choice(["approved"] * 6 + ["rejected", "skipped", "cancelled", "pending"])
            ended = None if status == "pending" else started + rnd.randrange(0, 100) * HOUR
            steps.append((r, 1, k, name, "any", status, started, ended, started + 1 if r % 10 == 0 else None))
    con.executemany("INSERT INTO approval_requests(id, workflow_id, entity, entity_id, status, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?,?)", requests)
    con.executemany("INSERT INTO approval_steps(request_id, round, step_index, name, mode, status, started_at, "
                    "ended_at, escalated_at) VALUES (?,?,?,?,?,?,?,?,?)", steps)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()
    return n, len(hist), len(steps)


def _crmkit(path, report, **kwargs):
    import crmkit

    crm = crmkit.open(str(path))
    seconds, table = run.timed(lambda: getattr(crm.reports, report)(**kwargs))
    crm.close()
    return seconds, table


def _load(path, sql):
    import pandas as pd

    con = sqlite3.connect(str(path))
    return pd.read_sql(sql, con)


def _result(name, crmkit_s, load_s, compute_s):
    base = load_s + compute_s
    return {"name": name, "crmkit_s": crmkit_s, "baseline": "pandas (load + compute)", "baseline_s": base,
            "ratio": crmkit_s / base, "target": "< 1.0 (faster than pandas incl. load)",
            "pandas_load_s": load_s, "pandas_compute_s": compute_s}


def funnel_vs_pandas(scale, workdir):
    path = workdir / "reports.db"
    n, h, _ = _build(path, scale)
    crmkit_s, table = _crmkit(path, "funnel")
    load_s, (o, hist) = run.timed(lambda: (
        _load(path, "SELECT id, amount_cents, stage, probability, status FROM opportunities"),
        _load(path, "SELECT opportunity_id, to_stage FROM opportunity_stage_history")))

    def compute():
        prob = dict(STAGES)
        op = o[o.status == "open"]
        p = op.probability.fillna(op.stage.map(prob))
        g = op.assign(w=op.amount_cents * p).groupby("stage").agg(count=("id", "size"), amount=("amount_cents", "sum"),
                                                                  weighted=("w", "sum"))
        rank = hist.to_stage.map({s: i for i, (s, _) in enumerate(STAGES[:5])})
        top = rank.groupby(hist.opportunity_id).max()
        reached = [(top >= k).sum() for k in range(5)]
        lost = hist[hist.to_stage == "输单"].opportunity_id.nunique()
        return g, reached, lost

    compute_s, (g, reached, lost) = run.timed(compute)
    rows = table.rows()
    assert [r["reached"] for r in rows[:5]] == [int(x) for x in reached] and rows[5]["reached"] == lost
    return _result(f"reports.funnel ({n:,} opportunities, {h:,} history rows)", crmkit_s, load_s, compute_s)


def conversion_vs_pandas(scale, workdir):
    path = workdir / "reports.db"
    n, _, _ = _build(path, scale)
    crmkit_s, table = _crmkit(path, "conversion", by="source")
    load_s, (leads, o) = run.timed(lambda: (
        _load(path, "SELECT source, status, qualified_at, converted_at, opportunity_id FROM leads"),
        _load(path, "SELECT id, status FROM opportunities")))

    def compute():
        won = set(o.id[o.status == "won"])
        q = leads.qualified_at.notna() | leads.converted_at.notna() | leads.status.isin(["qualified", "converted"])
        c = leads.converted_at.notna() | (leads.status == "converted")
        w = c & leads.opportunity_id.isin(won)
        g = leads.assign(q=q, c=c, w=w).groupby("source", dropna=False).agg(
            leads=("status", "size"), qualified=("q", "sum"), converted=("c", "sum"), won=("w", "sum"))
        g["qualify_rate"] = g.qualified / g.leads
        g["convert_rate"] = g.converted / g.qualified
        g["win_rate"] = g.won / g.converted
        g["overall_rate"] = g.won / g.leads
        return g

    compute_s, g = run.timed(compute)
    assert sum(r["won"] for r in table.rows()) == int(g.won.sum())
    return _result(f"reports.conversion(by=source) ({n:,} leads)", crmkit_s, load_s, compute_s)


def approval_steps_vs_pandas(scale, workdir):
    path = workdir / "reports.db"
    _, _, s = _build(path, scale)
    crmkit_s, table = _crmkit(path, "approval_steps")
    load_s, (steps, req, wf) = run.timed(lambda: (
        _load(path, "SELECT request_id, name, step_index, status, started_at, ended_at, escalated_at "
                    "FROM approval_steps"),
        _load(path, "SELECT id, workflow_id FROM approval_requests"),
        _load(path, "SELECT id, name FROM workflows")))

    def compute():
        import time
        now = int(time.time() * 1000)
        d = steps.merge(req, left_on="request_id", right_on="id").merge(wf, left_on="workflow_id", right_on="id",
                                                                         suffixes=("", "_wf"))
        end = d.ended_at.where(d.status != "pending", now)
        d["wait"] = ((end - d.started_at) / HOUR).where(d.status.isin(["approved", "rejected", "pending"]))
        d["rej"] = d.status == "rejected"
        d["dec"] = d.status.isin(["approved", "rejected"])
        d["skip"] = d.status == "skipped"
        d["esc"] = d.escalated_at.notna()
        g = d.groupby(["name_wf", "name"]).agg(requests=("request_id", "nunique"), instances=("status", "size"),
                                               rejected=("rej", "sum"), decided=("dec", "sum"),
                                               skipped=("skip", "sum"), escalations=("esc", "sum"),
                                               median=("wait", "median"), p90=("wait", lambda x: x.quantile(0.9)),
                                               total=("wait", "sum"))
        g["reject_rate"] = g.rejected / g.decided
        g["share"] = g.total / g.groupby(level=0).total.transform("sum")
        g["pure_delay"] = (g.decided >= 20) & (g.reject_rate < 0.02) & (g["median"] > 24)
        g["bottleneck"] = (g.share == g.groupby(level=0).share.transform("max")) & (g.share >= 0.5)
        return g

    compute_s, g = run.timed(compute)
    assert len(table) == len(g)
    return _result(f"reports.approval_steps ({s:,} step instances)", crmkit_s, load_s, compute_s)
