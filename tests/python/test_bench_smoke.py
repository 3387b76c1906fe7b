"""The benchmarks run (at a tiny scale) so that `make bench` never rots; no timing is asserted."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_harness_runs_every_entry_at_tiny_scale(tmp_path):
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--scale", "0.001", "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True, text=True)
    results = json.loads(out.read_text())["results"]
    assert len(results) >= 4
    for r in results:
        assert r["crmkit_s"] > 0 and r["baseline_s"] > 0 and r["ratio"] > 0, r
