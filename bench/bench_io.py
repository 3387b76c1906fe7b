"""Reading, export and search (issue: data migration).

- search_vs_like: customers.search p50/p99 per query over N customers (default 1,000,000) against
  `name LIKE '%term%'` on the same file through sqlite3 (the ratio is p50 search / p50 LIKE).
- csv_read_peak_memory: streaming a 200 MB CSV through the C++ reader; peak RSS against the size
  of the file (target: under 300 MB) and time against Python's csv module.
- csv_export_vs_python_csv: crm.exports.csv of N customers against csv.writer over the same
  Table's rows.
"""

import csv
import random
import sqlite3
import statistics
import time

import run

ENTRIES = ["search_vs_like", "csv_read_peak_memory", "csv_export_vs_python_csv"]

CITIES = ["上海", "北京", "深圳", "广州", "杭州", "南京", "成都", "武汉", "苏州", "天津", "重庆", "西安"]
WORDS = ["鼎盛", "华强", "恒通", "中联", "新创", "金桥", "远航", "东方", "宏达", "瑞丰", "百川", "天成",
         "博远", "星河", "嘉禾", "安泰", "万象", "汇丰", "卓越", "凯旋", "明德", "永信", "龙腾", "锦程"]
TRADES = ["科技", "贸易", "电子", "物流", "医疗", "能源", "建材", "食品", "教育", "传媒", "软件", "机械"]
FORMS = ["有限公司", "股份有限公司", "集团", "有限责任公司", "工作室"]


def _name(rng, i):
    return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}{i % 997}"


def _n(scale):
    return max(2000, int(1_000_000 * scale))


def _percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def search_vs_like(scale, workdir):
    import crmkit

    n = _n(scale)
    rng = random.Random(7)
    path = workdir / "search.db"
    crm = crmkit.open(str(path))
    names = [_name(rng, i) for i in range(n)]
    rows = [{"name": nm, "phone": f"1{rng.randrange(30, 99)}{rng.randrange(10**8):08d}"} for nm in names]
    add_s, _ = run.timed(crm.customers.add_many, rows)
    # Queries as people type them: a distinctive piece of one company's name (2-4 characters),
    # a city and a trade ("上海 科技"), or part of a phone number.
    queries = []
    for _ in range(200):
        kind = rng.random()
        if kind < 0.5:
            nm = rng.choice(names)
            length = rng.choice([2, 3, 4])
            start = rng.randrange(2, len(nm) - length)
            queries.append([nm[start:start + length]])
        elif kind < 0.8:
            queries.append([rng.choice(CITIES), rng.choice(TRADES)])
        else:
            queries.append([rng.choice(rows)["phone"][3:9]])
    search_times = []
    for terms in queries:
        t = time.perf_counter()
        crm.customers.search(" ".join(terms), limit=20)
        search_times.append(time.perf_counter() - t)
    crm.close()
    con = sqlite3.connect(path)
    like_times = []
    for terms in queries:
        sql = "SELECT id, name FROM customers WHERE " + " AND ".join(
            "(name LIKE ? OR phone LIKE ?)" for _ in terms) + " LIMIT 20"
        params = [p for term in terms for p in (f"%{term}%", f"%{term}%")]
        t = time.perf_counter()
        con.execute(sql, params).fetchall()
        like_times.append(time.perf_counter() - t)
    con.close()
    s50, s99 = _percentile(search_times, 50), _percentile(search_times, 99)
    l50, l99 = _percentile(like_times, 50), _percentile(like_times, 99)
    return {"name": f"customers.search p50 over {n:,} customers ({len(queries)} queries)", "crmkit_s": s50,
            "baseline": "sqlite3 name/phone LIKE p50", "baseline_s": l50, "ratio": s50 / l50, "target": "< 1",
            "search_p50_ms": s50 * 1e3, "search_p99_ms": s99 * 1e3, "like_p50_ms": l50 * 1e3,
            "like_p99_ms": l99 * 1e3, "add_many_s": add_s}


def csv_read_peak_memory(scale, workdir):
    from crmkit import _crmkit

    target_bytes = max(2_000_000, int(210 * 2**20 * scale))
    path = workdir / "big.csv"
    line = "上海某某科技有限公司{},138 0013 {:04d},info{}@example.cn,华东,\"多行\n备注\",12800.50\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("客户名称,手机,邮箱,地区,备注,金额\n")
        written, i = 0, 0
        while written < target_bytes:
            s = line.format(i, i % 10000, i)
            f.write(s)
            written += len(s.encode())
            i += 1
    size_mb = path.stat().st_size / 2**20
    t = time.perf_counter()
    rows = _crmkit._read_csv(str(path))
    count = sum(1 for _ in rows)
    crmkit_s = time.perf_counter() - t
    peak = run.peak_mb()
    t = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        ref = sum(1 for _ in csv.reader(f)) - 1
    python_s = time.perf_counter() - t
    assert count == ref == i, (count, ref, i)
    return {"name": f"read a {size_mb:.0f} MB CSV ({count:,} rows), peak {peak:.0f} MB RSS", "crmkit_s": crmkit_s,
            "baseline": "Python csv.reader", "baseline_s": python_s, "ratio": crmkit_s / python_s,
            "target": "peak < 300 MB", "file_mb": size_mb, "peak_mb": peak}


def csv_export_vs_python_csv(scale, workdir):
    import crmkit

    n = _n(scale)
    crm = crmkit.open(str(workdir / "export.db"))
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
    crm.customers.add_many([{"name": f"客户{i}有限公司", "phone": f"1380013{i % 10000:04d}", "tags": ["VIP"],
                             "fields": {"region": ["华东", "华南", "华北"][i % 3]}} for i in range(n)])
    table = crm.customers.find()
    crmkit_s, written = run.timed(crm.exports.csv, table, workdir / "engine.csv")
    assert written == n

    def python_csv():
        rows = table.rows()
        with open(workdir / "python.csv", "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(table.columns)
            for r in rows:
                w.writerow([";".join(v) if isinstance(v, list) else "" if v is None else v for v in r.values()])

    python_s, _ = run.timed(python_csv)
    return {"name": f"exports.csv of {n:,} customers (from a Table)", "crmkit_s": crmkit_s,
            "baseline": "Table.rows() + csv.writer", "baseline_s": python_s, "ratio": crmkit_s / python_s,
            "target": "< 0.5"}
