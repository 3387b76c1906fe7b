"""What keeping the search index costs customers.add_many: N small customers in one call.

    .venv/bin/python bench/add_many_search_cost.py 20000                              # the installed build
    PYTHONPATH=build/dev-NAME/pkg .venv/bin/python bench/add_many_search_cost.py 20000  # a development build
    ... add_many_search_cost.py 20000 automerge=0   # FTS5 settings (name=value) tried on the index first

Run both builds back to back: the difference is the index's cost (the machine's load varies).
"""
import os
import sqlite3
import sys
import tempfile
import time

import crmkit

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
settings = sys.argv[2:]
path = os.path.join(tempfile.mkdtemp(), "a.db")
crmkit.open(path).close()
if settings:
    con = sqlite3.connect(path)
    for s in settings:
        key, value = s.split("=")
        con.execute("INSERT INTO customer_search(customer_search, rank) VALUES(?, ?)", (key, int(value)))
    con.commit()
    con.close()
crm = crmkit.open(path)
rows = [{"name": f"上海某某{i % 977}科技有限公司{i}", "phone": f"138{i:08d}", "email": f"u{i}@x.cn"} for i in range(n)]
t = time.perf_counter()
crm.customers.add_many(rows)
print(f"add_many {n:,} rows ({' '.join(settings) or 'default'}): {time.perf_counter() - t:.2f} s")
