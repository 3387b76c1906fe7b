"""Segmentation analytics: RFM over millions of orders against pandas, and the CLV fit on CDNOW."""

import random
import sqlite3

import run

ENTRIES = ["segment_warm_vs_pandas", "segment_warm_vs_frames", "segment_cold_vs_sql", "column_store_cpp", "rfm_vs_pandas", "clv_fit_cdnow"]


def rfm_vs_pandas(scale, workdir):
    import numpy as np
    import pandas as pd

    import crmkit

    n_orders = max(2000, int(2_000_000 * scale))
    n_customers = max(200, n_orders // 10)
    path = workdir / "rfm.db"
    crm = crmkit.open(str(path))
    crm.clock.freeze("2026-01-01T00:00:00Z")
    ids = crm.customers.add_many([{"name": f"c{i}"} for i in range(n_customers)])
    rng = random.Random(5)
    base = 1735689600000  # 2025-01-01
    rows = [{"customer": ids[rng.randrange(n_customers)], "amount": float(rng.randrange(100, 100000)) / 100,
             "at": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"} for _ in range(n_orders)]
    crm.orders.add_many(rows)
    del rows
    crmkit_s, table = run.timed(crm.rfm.score, asof="2026-01-01")
    assert len(table) > 0
    crm.close()

    def with_pandas():
        con = sqlite3.connect(str(path))
        orders = pd.read_sql("SELECT customer_id, at, amount_cents FROM orders", con)
        asof = 1767225600000
        buys = orders[orders.amount_cents > 0]
        g = buys.groupby("customer_id")
        out = pd.DataFrame({"last": g.at.max(), "frequency": g.size()})
        out["monetary"] = orders.groupby("customer_id").amount_cents.sum().reindex(out.index) / 100
        out["recency_days"] = np.floor((asof - out["last"]) / 86_400_000)
        n = len(out)
        for col, asc in (("recency_days", False), ("frequency", True), ("monetary", True)):
            ranks = out[col].rank(method="min", ascending=asc) - 1
            out[col[0]] = (5 * ranks // n + 1).astype(int)
        return out

    base_s, df = run.timed(with_pandas)
    assert len(df) == len(table)
    return {"name": f"rfm.score over {n_orders:,} orders", "crmkit_s": crmkit_s,
            "baseline": "pandas read_sql + groupby", "baseline_s": base_s, "ratio": crmkit_s / base_s,
            "target": "< 0.5"}


def clv_fit_cdnow(scale, workdir):
    import crmkit

    crm = crmkit.open(str(workdir / "cdnow.db"))
    rows = crmkit.datasets.load_cdnow()
    if scale < 1:
        rows = rows[: max(2000, int(len(rows) * scale))]
    customers = crmkit.datasets.cdnow_into(crm, rows)
    seconds, fit = run.timed(crm.clv.fit, asof="1997-09-30", time_unit="week")
    return {"name": f"clv.fit on CDNOW ({len(customers):,} customers)", "crmkit_s": seconds,
            "baseline": "(none: reported in seconds)", "baseline_s": seconds, "ratio": 1.0,
            "target": f"r={fit.r:.3f} alpha={fit.alpha:.3f} a={fit.a:.3f} b={fit.b:.3f}"}


FIVE_CLAUSES = ('industry = "制造" and region = "华东" and lifetime_value >= 5000 and days_since_contact > 30 '
                'and has_tag("VIP")')


def _segment_db(n, path):
    """The customers the segment entries count: industry, a custom region, 30% VIP tags, one order
    each, an interaction for every second one. Returns the open CRM (clock frozen)."""
    import crmkit

    crm = crmkit.open(str(path))
    crm.clock.freeze(SEGMENT_NOW)
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
    rng = random.Random(9)
    industries = ["制造", "软件", "能源", "零售", "医疗"]
    ids = crm.customers.add_many([{"name": f"c{i}", "industry": industries[i % 5],
                                   "fields": {"region": ["华东", "华南", "华北"][rng.randrange(3)]},
                                   "tags": ["VIP"] if rng.random() < 0.3 else []} for i in range(n)])
    crm.orders.add_many([{"customer": cid, "amount": float(rng.randrange(100, 20000)),
                          "at": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"} for cid in ids])
    crm.interactions.log_many([{"customer": cid, "kind": "call", "summary": "x",
                                "at": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"}
                               for cid in ids[::2]])
    return crm


SEGMENT_NOW = "2026-01-01T00:00:00Z"


def segment_warm_vs_pandas(scale, workdir):
    import numpy as np

    n = max(2000, int(1_000_000 * scale))
    crm = _segment_db(n, workdir / "seg.db")
    # Loads the columns (the default engine would answer its first call through SQL).
    crm.segments.count_rule(FIVE_CLAUSES, engine="columns")
    reps = 20
    crmkit_s, _ = run.timed(lambda: [crm.segments.count_rule(FIVE_CLAUSES) for _ in range(reps)])
    # The same through the columns evaluator named explicitly (no cold-path check): what the
    # default cost before the cold path existed.
    columns_s, _ = run.timed(lambda: [crm.segments.count_rule(FIVE_CLAUSES, engine="columns") for _ in range(reps)])
    expected = crm.segments.count_rule(FIVE_CLAUSES, engine="sql")
    df = crm.customers.find().to_pandas()
    now = np.datetime64("2026-01-01T00:00:00")

    def pandas_filter():
        days = (now - df["last_contact_at"].dt.tz_localize(None).values) // np.timedelta64(1, "D")
        m = ((df["industry"] == "制造") & (df["region"] == "华东") & (df["lifetime_value"] >= 5000)
             & (days > 30) & df["tags"].map(lambda t: "VIP" in t))
        return int(m.sum())

    assert pandas_filter() == expected
    base_s, _ = run.timed(lambda: [pandas_filter() for _ in range(reps)])
    return {"name": f"five-clause segment over {n:,} customers, warm", "crmkit_s": crmkit_s / reps,
            "baseline": "pandas filter (in memory)", "baseline_s": base_s / reps, "ratio": crmkit_s / base_s,
            "target": f"<= 0.5; engine='columns' {columns_s / reps * 1000:.2f} ms"}


def segment_warm_vs_frames(scale, workdir):
    """The warm five-clause count against the same customers held in memory by pandas, polars and
    DuckDB, each given its best form of the data: industry and region categorical (DuckDB: ENUM),
    lifetime value a float, the last contact a timestamp compared with the cut-off the rule means
    (days_since_contact > 30 is a last contact at least 31 whole days before now), and the tag a
    boolean column (the frames do not have to search tag lists). Rounds alternate between the four
    engines; each side's time is its fastest round."""
    import duckdb
    import numpy as np
    import pandas as pd
    import polars as pl

    n = max(2000, int(1_000_000 * scale))
    crm = _segment_db(n, workdir / "frames.db")
    crm.segments.count_rule(FIVE_CLAUSES, engine="columns")  # loads the columns
    expected = crm.segments.count_rule(FIVE_CLAUSES, engine="sql")
    found = crm.customers.find().to_pandas()
    df = pd.DataFrame({
        "industry": found["industry"].astype("category"),
        "region": found["region"].astype("category"),
        "lifetime_value": found["lifetime_value"].astype("float64"),
        "last_contact_at": found["last_contact_at"].dt.tz_localize(None).astype("datetime64[ms]"),
        "vip": found["tags"].map(lambda t: "VIP" in t).astype(bool),
    })
    del found
    cutoff = np.datetime64("2026-01-01T00:00:00", "ms") - np.timedelta64(31, "D")

    def with_pandas():
        m = ((df["industry"] == "制造") & (df["region"] == "华东") & (df["lifetime_value"] >= 5000)
             & (df["last_contact_at"] <= cutoff) & df["vip"])
        return int(m.sum())

    frame = pl.from_pandas(df)
    cutoff_py = cutoff.astype("datetime64[ms]").astype(object)
    polars_expr = ((pl.col("industry") == "制造") & (pl.col("region") == "华东") & (pl.col("lifetime_value") >= 5000)
                   & (pl.col("last_contact_at") <= cutoff_py) & pl.col("vip")).sum()

    def with_polars():
        return int(frame.select(polars_expr).item())

    con = duckdb.connect()
    con.execute("CREATE TYPE industry_t AS ENUM ('制造', '软件', '能源', '零售', '医疗')")
    con.execute("CREATE TYPE region_t AS ENUM ('华东', '华南', '华北')")
    con.register("df_view", df)
    con.execute("CREATE TABLE customers AS SELECT industry::VARCHAR::industry_t AS industry, "
                "region::VARCHAR::region_t AS region, lifetime_value, last_contact_at, vip FROM df_view")
    con.unregister("df_view")
    duck_sql = ("SELECT count(*) FROM customers WHERE industry = '制造' AND region = '华东' AND lifetime_value >= 5000 "
                "AND last_contact_at <= TIMESTAMP '" + str(cutoff_py) + "' AND vip")

    def with_duckdb():
        return int(con.execute(duck_sql).fetchone()[0])

    def with_crmkit():
        return crm.segments.count_rule(FIVE_CLAUSES)

    sides = {"crmkit": with_crmkit, "pandas": with_pandas, "polars": with_polars, "duckdb": with_duckdb}
    for name, fn in sides.items():
        got = fn()
        if got != expected:
            raise RuntimeError(f"{name} counted {got}, crmkit's SQL path {expected}")
    # Five rounds of 20 counts per side, the sides taking turns; each side's fastest round is the
    # one least disturbed by the other processes of a shared machine.
    reps = 20
    best = {name: float("inf") for name in sides}
    for _ in range(5):
        for name, fn in sides.items():
            seconds, _ = run.timed(lambda: [fn() for _ in range(reps)])
            best[name] = min(best[name], seconds / reps)
    fastest = min(("pandas", "polars", "duckdb"), key=lambda k: best[k])
    return {"name": f"five-clause segment over {n:,} customers, warm, vs in-memory frames",
            "crmkit_s": best["crmkit"], "baseline": f"fastest frame ({fastest})", "baseline_s": best[fastest],
            "ratio": best["crmkit"] / best[fastest], "target": "<= 0.25",
            "count": expected, "frames_s": {k: best[k] for k in ("pandas", "polars", "duckdb")},
            "ratios": {k: best["crmkit"] / best[k] for k in ("pandas", "polars", "duckdb")}}


# FIVE_CLAUSES by hand: 2026-01-01T00:00:00Z is 1767225600000 ms; days since contact are whole
# days rounded down, which integer division gives for the positive differences of this data.
COLD_SQL = ("SELECT count(*) FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id "
            "WHERE c.industry = '制造' AND json_extract(c.fields, '$.region') = '华东' "
            "AND coalesce(f.lifetime_value_cents, 0) >= 500000 "
            "AND (1767225600000 - f.last_contact_at) / 86400000 > 30 "
            "AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = 'VIP')")


def _fresh_process(code, path):
    """Runs `code` in a new interpreter (no column store, no warm connection) and returns the
    JSON it prints last."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code, str(path), FIVE_CLAUSES, COLD_SQL], check=True,
                         capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


COLD_CRMKIT = """
import json, sys, time
import crmkit
crm = crmkit.open(sys.argv[1])
crm.clock.freeze("2026-01-01T00:00:00Z")
t0 = time.perf_counter(); first = crm.segments.count_rule(sys.argv[2]); t1 = time.perf_counter()
second = crm.segments.count_rule(sys.argv[2]); t2 = time.perf_counter()
third = crm.segments.count_rule(sys.argv[2]); t3 = time.perf_counter()
status = crm.segments.store_status()
print(json.dumps({"count": first, "again": [second, third], "first_s": t1 - t0, "second_s": t2 - t1,
                  "third_s": t3 - t2, "sql_answers": status["sql_answers"], "full_loads": status["full_loads"]}))
"""

COLD_SQLITE = """
import json, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
t0 = time.perf_counter(); n = con.execute(sys.argv[3]).fetchone()[0]; t1 = time.perf_counter()
print(json.dumps({"count": n, "first_s": t1 - t0}))
"""


def segment_cold_vs_sql(scale, workdir):
    """The first count of a fresh process: crmkit's default engine against the same query
    hand-written for plain sqlite3 on the same file, each in its own new interpreter."""
    n = max(2000, int(1_000_000 * scale))
    path = workdir / "cold.db"
    crm = _segment_db(n, path)
    expected = crm.segments.count_rule(FIVE_CLAUSES, engine="sql")
    crm.close()
    # The baseline first, then crmkit: the file's pages are equally warm in the OS cache for both
    # (the file was just written).
    base = _fresh_process(COLD_SQLITE, path)
    mine = _fresh_process(COLD_CRMKIT, path)
    assert base["count"] == expected and mine["count"] == expected and mine["again"] == [expected, expected]
    assert mine["sql_answers"] == 1 and mine["full_loads"] == 1
    return {"name": f"first segment count, fresh process, {n:,} customers", "crmkit_s": mine["first_s"],
            "baseline": "same query, plain sqlite3", "baseline_s": base["first_s"],
            "ratio": mine["first_s"] / base["first_s"],
            "target": f"<= 1.3; 2nd count (loads columns) {mine['second_s']:.3f}s, "
                      f"3rd (warm) {mine['third_s'] * 1000:.2f}ms"}


def column_store_cpp(scale, workdir):
    import json
    import subprocess

    out = subprocess.run([str(run.find_binary("column_store_bench")), "--scale", str(max(scale, 0.001))],
                         check=True, capture_output=True, text=True).stdout
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    cold = next(l for l in lines if l["name"] == "cold_load_and_evaluate")
    extra = {l["name"]: l["crmkit_s"] for l in lines}
    return {"name": "five-clause segment, cold (fresh store from the file)", "crmkit_s": cold["crmkit_s"],
            "baseline": "hand-written SQL, C API", "baseline_s": cold["baseline_s"], "ratio": cold["ratio"],
            "target": "<= 1.3; re-check of one changed customer: "
                      f"{extra.get('recheck_one_customer_per_rule', 0) * 1e6:.2f} us per segment"}
