"""Imports: a messy customer spreadsheet with cleaning and de-duplication, and duplicates() scaling."""

import csv
import random
import re
import sqlite3
import unicodedata

import run

ENTRIES = ["import_vs_pandas_phonenumbers_sqlite3", "duplicates_scaling"]

CITIES = ["上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "苏州", "天津"]
WORDS = "华东盛达恒通信宏远新星金源鑫海瑞祥天成博远嘉禾明德聚力卓越中信安泰永兴和美百川"
SUFFIXES = ["科技有限公司", "有限公司", "股份有限公司", "集团", "", "科技"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _company(rng):
    return rng.choice(CITIES) + "".join(rng.choice(WORDS) for _ in range(3))


def _phone(rng, digits):
    """One mobile number typed in one of the ways people type it."""
    style = rng.randrange(6)
    if style == 0:
        return digits
    if style == 1:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 3:
        return digits.translate(FULL)
    if style == 4:
        return f"0086{digits}"
    return f"({digits[:3]}) {digits[3:]}"


def messy_rows(n, seed=7):
    """n rows of a customer sheet: varied phone typing, full-width text, stray spaces, upper-case
    e-mails, one row in ten a re-typed duplicate of an earlier company, one in a hundred a bad phone."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if i and rng.random() < 0.1:
            j = rng.randrange(len(rows))
            base = rows[j]
            rows.append({"客户名称": " " + base["客户名称"].replace("有限公司", "") + "　", "手机": base["_digits"],
                         "邮箱": base["邮箱"].upper(), "行业": base["行业"], "_digits": base["_digits"]})
            continue
        digits = f"1{rng.choice('3578')}{i:09d}"
        name = _company(rng) + f"{i}" + rng.choice(SUFFIXES)
        phone = _phone(rng, digits) if rng.random() > 0.01 else "12-34"
        rows.append({"客户名称": name, "手机": phone, "邮箱": f"Sales{i}@Example.CN", "行业": rng.choice(["制造", "软件"]),
                     "_digits": digits})
    for r in rows:
        r.pop("_digits", None)
    return rows


MAPPING = {"客户名称": "name", "手机": "phone", "邮箱": "email", "行业": "industry"}

STOP = ["股份有限公司", "有限责任公司", "有限公司", "股份", "集团", "控股", "科技", "公司", "责任"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[A-Za-z]{2,}$")


def _baseline(csv_path, db_path):
    """pandas.read_csv + the same cleaning in Python (unicodedata, phonenumbers) + exact-key
    de-duplication in dicts + sqlite3.executemany: what a script would do by hand. (It does less
    than the engine: no fuzzy names, no history, no change feed.)"""
    import pandas as pd
    import phonenumbers

    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, phone TEXT, email TEXT, industry TEXT)")
    seen_phone, seen_email, seen_name = set(), set(), set()
    out, problems = [], 0
    for name, phone, email, industry in zip(df["客户名称"], df["手机"], df["邮箱"], df["行业"]):
        name = " ".join(unicodedata.normalize("NFKC", name).split())
        phone = unicodedata.normalize("NFKC", phone)
        try:
            p = phonenumbers.parse(phone, "CN")
            if not phonenumbers.is_valid_number(p):
                raise ValueError(phone)
            phone = phonenumbers.format_number(p, phonenumbers.PhoneNumberFormat.E164)
        except Exception:
            problems += 1
            continue
        email = unicodedata.normalize("NFKC", email).strip().lower()
        if not EMAIL.match(email):
            problems += 1
            continue
        key = unicodedata.normalize("NFKC", name).casefold()
        for w in STOP:
            key = key.replace(w, "")
        key = re.sub(r"\W", "", key)
        if phone in seen_phone or email in seen_email or key in seen_name:
            continue
        seen_phone.add(phone)
        seen_email.add(email)
        seen_name.add(key)
        out.append((name, phone, email, industry))
    con.executemany("INSERT INTO customers(name, phone, email, industry) VALUES (?,?,?,?)", out)
    con.commit()
    con.close()
    return len(out), problems


def import_vs_pandas_phonenumbers_sqlite3(scale, workdir):
    import crmkit

    n = max(2000, int(1_000_000 * scale))
    rows = messy_rows(n)
    csv_path = workdir / "messy.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(MAPPING))
        w.writeheader()
        w.writerows(rows)
    crm = crmkit.open(str(workdir / "import.db"))
    # Both sides start from the same file: crmkit's C++ reader streams it, pandas loads it.
    crmkit_s, crmkit_cpu, rep = run.timed_cpu(crm.imports.customers, str(csv_path), mapping=MAPPING)
    base_s, base_cpu, (base_created, base_problems) = run.timed_cpu(_baseline, csv_path, workdir / "baseline.db")
    return {"name": f"imports.customers {n:,} messy rows (cleaning + dedupe: phone, e-mail, fuzzy name)",
            "crmkit_s": crmkit_s, "baseline": "pandas.read_csv + unicodedata + phonenumbers + dict dedupe + "
            "sqlite3.executemany", "baseline_s": base_s, "ratio": crmkit_s / base_s, "target": "<= 0.33",
            "cpu_ratio": crmkit_cpu / base_cpu,
            "created": rep.created, "skipped": rep.skipped, "problems": len(rep.problems),
            "baseline_created": base_created, "baseline_problems": base_problems}


def _duplicates_at(workdir, n, label):
    import crmkit

    crm = crmkit.open(str(workdir / f"dups_{label}.db"))
    rng = random.Random(11)
    rows = []
    for i in range(n):
        if i and rng.random() < 0.05:
            base = rows[rng.randrange(len(rows))]
            rows.append({"name": base["name"].replace("有限公司", "集团"), "phone": base.get("phone")})
            continue
        rows.append({"name": _company(rng) + f"{i}有限公司", "phone": f"1{rng.choice('3578')}{i:09d}"})
    crm.customers.add_many(rows)
    seconds, scan = run.timed(crm.customers.duplicate_scan, 0.8)
    return seconds, scan


def duplicates_scaling(scale, workdir):
    n = max(2000, int(1_000_000 * scale))
    small_s, small = _duplicates_at(workdir, n // 10, "small")
    big_s, big = _duplicates_at(workdir, n, "big")
    return {"name": f"customers.duplicates at {n // 10:,} and {n:,} customers", "crmkit_s": big_s,
            "baseline": f"the same scan at {n // 10:,} customers", "baseline_s": small_s, "ratio": big_s / small_s,
            "target": "~10 (linear in customers)", "candidates_small": small["candidates"],
            "candidates_big": big["candidates"], "pairs_small": small["pairs"], "pairs_big": big["pairs"]}
