"""The change feed: reading every event in pages, as a webhook deliverer or an index sync does."""

import sqlite3

import run

ENTRIES = ["events_since_vs_raw_select"]


def events_since_vs_raw_select(scale, workdir):
    import crmkit

    n = max(1000, int(1_000_000 * scale))
    page = 1000
    path = workdir / "events.db"
    crm = crmkit.open(str(path))
    crm.customers.add_many([{"name": f"客户{i}", "tags": ["VIP"]} for i in range(n)])
    assert crm.events.latest() == n

    def through_crmkit():
        # The page arrives as a columnar Table; its last row's id is the next cursor.
        cursor, seen = 0, 0
        while True:
            t = crm.events.since(cursor=cursor, limit=page)
            rows = len(t)
            if not rows:
                return seen
            seen += rows
            cursor = t[rows - 1].id

    crmkit_s, seen = run.timed(through_crmkit)
    assert seen == n
    con = sqlite3.connect(str(path))

    def raw():
        cursor, seen = 0, 0
        while True:
            rows = con.execute("SELECT id, at, kind, entity, entity_id, customer_id, payload FROM events "
                               "WHERE id > ? ORDER BY id LIMIT ?", (cursor, page)).fetchall()
            if not rows:
                return seen
            seen += len(rows)
            cursor = rows[-1][0]

    raw_s, seen_raw = run.timed(raw)
    assert seen_raw == n
    return {"name": f"events.since over {n:,} events, pages of {page:,}", "crmkit_s": crmkit_s,
            "baseline": "sqlite3 SELECT ... LIMIT pages", "baseline_s": raw_s, "ratio": crmkit_s / raw_s,
            "target": "< 2.0"}
