"""Approvals: requests taken through three steps against plain SQL with the same ledger hashing,
and one user's inbox among many open steps (issue: the opportunity approval process).

Both entries run the C++ program bench/approvals_bench.cpp (built with CRMKIT_BUILD_BENCH=ON):
at scale 1.0, 100,000 requests x (submit + 3 approvals), each call its own transaction with its
ledger entries, and inbox() for one approver among 1,000,000 open steps."""

import json
import subprocess

import run

ENTRIES = ["approvals_vs_raw_sql", "inbox_among_open_steps"]


def _measure(only, scale, workdir):
    out = subprocess.run([str(run.find_binary("approvals_bench")), "--scale", str(scale), "--only", only,
                          "--dir", str(workdir)], check=True, capture_output=True, text=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("{")))


def approvals_vs_raw_sql(scale, workdir):
    r = _measure("approvals", scale, workdir)
    return {"name": f"approvals: {r['requests']:,} requests x (submit + 3 approvals), a transaction each",
            "crmkit_s": r["crmkit_s"], "baseline": "same writes, SQLite C API + SHA-256",
            "baseline_s": r["baseline_s"], "ratio": r["crmkit_s"] / r["baseline_s"], "target": "<= 2.0"}


def inbox_among_open_steps(scale, workdir):
    r = _measure("inbox", scale, workdir)
    return {"name": f"approvals.inbox ({r['rows']:,} rows) among {r['open_steps']:,} open steps "
                    f"({r['crmkit_ms']:.2f} ms)",
            "crmkit_s": r["crmkit_s"], "baseline": "the same SELECT, SQLite C API",
            "baseline_s": r["baseline_s"], "ratio": r["crmkit_s"] / r["baseline_s"], "target": "<= 2.0",
            "crmkit_ms": r["crmkit_ms"], "baseline_ms": r["baseline_ms"]}
