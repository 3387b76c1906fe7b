"""The customer relationship process from C++: reclaim_idle() against hand-written UPDATEs.

    reclaim_idle_vs_update  relationship_bench --only reclaim_idle: Pool::reclaim_idle over
                            1,000,000 customers at scale 1.0 (history rows and reminders
                            written) against one hand-written UPDATE ... FROM of the same rule
                            with a history lookup per customer, in wall and CPU time, and
                            against the same UPDATE with the owner history grouped once and
                            joined (the scan the engine runs).
"""

import json
import subprocess

import run

ENTRIES = ["reclaim_idle_vs_update"]


def reclaim_idle_vs_update(scale, workdir):
    out = subprocess.run([str(run.find_binary("relationship_bench")), "--scale", str(max(scale, 0.001)),
                          "--only", "reclaim_idle", "--dir", str(workdir)],
                         check=True, capture_output=True, text=True).stdout
    lines = {l["name"]: l for l in (json.loads(x) for x in out.splitlines() if x.startswith("{"))}
    wall, cpu = lines["reclaim_idle"], lines["reclaim_idle_cpu"]
    grouped, grouped_cpu = lines["reclaim_idle_vs_grouped_update"], lines["reclaim_idle_vs_grouped_update_cpu"]
    return {"name": f"reclaim_idle over {max(1000, int(1_000_000 * scale)):,} customers",
            "crmkit_s": wall["crmkit_s"], "baseline": "hand-written UPDATE ... FROM", "baseline_s": wall["baseline_s"],
            "ratio": wall["ratio"], "target": "<= 1.2",
            "cpu_ratio": cpu["ratio"], "grouped_update_ratio": grouped["ratio"],
            "grouped_update_cpu_ratio": grouped_cpu["ratio"]}
