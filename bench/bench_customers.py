"""Customers: bulk insert, one-record reads, and a large find to pandas (issue: foundation)."""

import json
import pathlib
import sqlite3
import subprocess

import run

ENTRIES = ["insert_vs_raw_sqlite", "insert_vs_python_sqlite3", "get_vs_sqlite3", "find_to_pandas_vs_read_sql"]

INDUSTRIES = ["制造", "软件", "能源", "零售", "医疗"]
REGIONS = ["华东", "华南", "华北"]
TAGS = ["VIP", "重点", "新客户", "老客户", "海外"]


def _rows(n, owners):
    return [{"name": f"客户{i}有限公司", "industry": INDUSTRIES[i % 5], "owner": owners[i % 50],
             "tags": [TAGS[i % 5], TAGS[(i + 1) % 5]],
             "fields": {"region": REGIONS[i % 3], "employees": 10 + i % 5000}} for i in range(n)]


def _setup(path):
    import crmkit

    crm = crmkit.open(str(path))
    crm.fields.add("customer", "region", type="enum", options=REGIONS)
    crm.fields.add("customer", "employees", type="integer", min=1)
    owners = [crm.users.add(f"rep{u}", name=f"Rep {u}").id for u in range(50)]
    return crm, owners


def _n(scale):
    return max(1000, int(1_000_000 * scale))


def _crmkit_insert(workdir, n):
    crm, owners = _setup(workdir / "crmkit.db")
    rows = _rows(n, owners)
    seconds, ids = run.timed(crm.customers.add_many, rows)
    assert len(ids) == n
    return seconds


def insert_vs_raw_sqlite(scale, workdir):
    n = _n(scale)
    crmkit_s = _crmkit_insert(workdir, n)
    out = subprocess.run([str(run.find_binary("insert_baseline")), str(workdir / "raw.db"), str(n)],
                         check=True, capture_output=True, text=True).stdout
    raw_s = json.loads(out)["seconds"]
    return {"name": f"customers.add_many {n:,} rows (2 tags, 2 fields)", "crmkit_s": crmkit_s,
            "baseline": "raw SQLite C API, same rows (customer, facts, tags, event, identity key, search rows)", "baseline_s": raw_s,
            "ratio": crmkit_s / raw_s, "target": "<= 1.5"}


def _python_validate(row, users, regions):
    """What an application would write by hand: the same checks the engine makes."""
    name = row["name"].strip()
    if not name or len(name) > 200:
        raise ValueError("name")
    if row["owner"] not in users:
        raise ValueError("owner")
    f = row["fields"]
    if f["region"] not in regions:
        raise ValueError("region")
    if not isinstance(f["employees"], int) or f["employees"] < 1:
        raise ValueError("employees")
    tags = sorted({t.strip() for t in row["tags"]})
    return name, tags, json.dumps(f, ensure_ascii=False, sort_keys=True)


def insert_vs_python_sqlite3(scale, workdir):
    n = _n(scale)
    crmkit_s = _crmkit_insert(workdir, n)
    crm, owners = _setup(workdir / "py.db")
    crm.close()
    rows = _rows(n, owners)
    con = sqlite3.connect(str(workdir / "py.db"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")

    def insert():
        users = {r[0] for r in con.execute("SELECT id FROM users")}
        regions = set(REGIONS)
        con.execute("BEGIN IMMEDIATE")
        next_id = (con.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0]) + 1
        customers, tags = [], []
        for i, row in enumerate(rows):
            name, row_tags, fields = _python_validate(row, users, regions)
            cid = next_id + i
            customers.append((cid, name, "company", row["industry"], row["owner"], "prospect", fields, 0, 0))
            tags.extend((cid, t) for t in row_tags)
        con.executemany("INSERT INTO customers(id, name, kind, industry, owner_id, stage, fields, created_at, "
                        "updated_at) VALUES (?,?,?,?,?,?,?,?,?)", customers)
        con.executemany("INSERT OR IGNORE INTO customer_tags(customer_id, tag) VALUES (?,?)", tags)
        con.execute("COMMIT")

    py_s, _ = run.timed(insert)
    return {"name": f"customers.add_many {n:,} rows vs Python", "crmkit_s": crmkit_s,
            "baseline": "sqlite3.executemany + checks", "baseline_s": py_s, "ratio": crmkit_s / py_s,
            "target": "<= 0.5 (>= 2x the Python rate)"}


def get_vs_sqlite3(scale, workdir):
    n = _n(scale) // 10
    crm, owners = _setup(workdir / "get.db")
    ids = crm.customers.add_many(_rows(n, owners))
    probe = ids[:: max(1, len(ids) // 20000)]
    get = crm.customers.get
    crmkit_s, _ = run.timed(lambda: [get(i) for i in probe])
    con = sqlite3.connect(str(workdir / "get.db"))
    con.row_factory = sqlite3.Row

    def plain():
        out = []
        for i in probe:
            row = con.execute("SELECT * FROM customers WHERE id = ?", (i,)).fetchone()
            d = dict(row)
            d["fields"] = json.loads(d["fields"])
            d["tags"] = [t for (t,) in con.execute("SELECT tag FROM customer_tags WHERE customer_id = ?", (i,))]
            out.append(d)
        return out

    base_s, _ = run.timed(plain)
    return {"name": f"customers.get x {len(probe):,}", "crmkit_s": crmkit_s,
            "baseline": "sqlite3 fetchone -> dict", "baseline_s": base_s, "ratio": crmkit_s / base_s,
            "target": "<= 1.0"}


def find_to_pandas_vs_read_sql(scale, workdir):
    import pandas as pd

    n = max(1000, int(100_000 * scale))
    crm, owners = _setup(workdir / "find.db")
    crm.customers.add_many(_rows(n, owners))
    crmkit_s, df = run.timed(lambda: crm.customers.find().to_pandas())
    assert len(df) == n
    con = sqlite3.connect(str(workdir / "find.db"))
    sql = ("SELECT c.*, (SELECT group_concat(tag) FROM customer_tags t WHERE t.customer_id = c.id) AS tags "
           "FROM customers c ORDER BY c.id")
    base_s, df2 = run.timed(lambda: pd.read_sql(sql, con))
    assert len(df2) == n
    return {"name": f"customers.find({n:,} rows).to_pandas()", "crmkit_s": crmkit_s,
            "baseline": "pandas.read_sql", "baseline_s": base_s, "ratio": crmkit_s / base_s,
            "target": "<= 0.5"}
