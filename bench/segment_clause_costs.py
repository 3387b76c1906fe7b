"""CPU time of a warm segment count, the five-clause rule and each of its clauses alone.

    PYTHONPATH=build/dev-NAME/pkg .venv/bin/python bench/segment_clause_costs.py N DIR

builds (once) DIR/seg.db with N customers as bench_segments builds them, loads the columns and
prints per rule the count and the wall and CPU milliseconds per call over 50 calls. Comparing two
sizes separates what a call costs from what a row costs."""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bench_segments  # noqa: E402
import crmkit  # noqa: E402

RULES = [bench_segments.FIVE_CLAUSES, 'industry = "制造"', 'has_tag("VIP")', "lifetime_value >= 5000",
         "days_since_contact > 30", 'region = "华东"', "id > 0"]


def main(n, directory):
    path = pathlib.Path(directory) / "seg.db"
    if not path.exists():
        bench_segments._segment_db(n, path).close()
    crm = crmkit.open(str(path))
    crm.clock.freeze(bench_segments.SEGMENT_NOW)
    for rule in RULES:
        crm.segments.count_rule(rule, engine="columns")  # loads what the rule needs
        t, c = time.perf_counter(), time.process_time()
        for _ in range(50):
            count = crm.segments.count_rule(rule)
        print(f"{rule[:40]:42s} {count:8d}  wall {(time.perf_counter() - t) / 50 * 1000:.3f} ms"
              f"  cpu {(time.process_time() - c) / 50 * 1000:.3f} ms")
    crm.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
