"""The benchmark harness: `make bench` runs every entry and prints a table of ratios.

Each entry runs in its own subprocess (so peak memory is its own) and reports a dict:
  {"name", "crmkit_s", "baseline", "baseline_s", "ratio", "target", "peak_mb"}
where ratio = crmkit_s / baseline_s (lower is better) unless the entry says otherwise. Results are
written to bench/results/latest.json; docs/benchmarks.md records them with the commands.

    python bench/run.py                 # full size (about a million rows per entry)
    python bench/run.py --scale 0.01    # a quick, bounded run (the test suite uses a tiny scale)
    python bench/run.py --only customers
"""

import argparse
import importlib
import json
import os
import pathlib
import resource
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
MODULES = ["bench_customers", "bench_events", "bench_relationship", "bench_segments", "bench_reports", "bench_approvals", "bench_approvals_python", "bench_clv", "bench_io", "bench_import"]


def find_binary(name):
    """A C++ baseline program built by `make build` (CRMKIT_BUILD_BENCH=ON)."""
    for candidate in sorted(ROOT.glob(f"build/*/{name}")) + sorted(ROOT.glob(f"build/{name}")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} is not built: run `make build` first")


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def timed_cpu(fn, *args, **kwargs):
    """(wall seconds, CPU seconds of this process, result): on a shared machine the CPU time is
    the steadier of the two."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, time.process_time() - c0, result


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _run_entry(module, entry, scale, workdir):
    """Runs one entry in a fresh interpreter and returns its result dict."""
    code = (
        "import json, sys, pathlib; sys.path.insert(0, %r)\n"
        "import %s as m\n"
        "r = m.%s(scale=%r, workdir=pathlib.Path(%r))\n"
        "import run; r.setdefault('peak_mb', run.peak_mb())\n"
        "print('RESULT ' + json.dumps(r, ensure_ascii=False))\n"
    ) % (str(HERE), module, entry, scale, str(workdir))
    # The entry runs in the bench directory: a relative PYTHONPATH (a development build's package)
    # must keep pointing where it pointed, or another installed crmkit would be measured.
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{module}.{entry} failed:\n{out.stdout}\n{out.stderr}")
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=None, help="substring of the module or entry names to run")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)
    import tempfile

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for module_name in MODULES:
            module = importlib.import_module(module_name)
            for entry in module.ENTRIES:
                if args.only and args.only not in module_name and args.only not in entry:
                    continue
                workdir = pathlib.Path(tmp) / entry
                workdir.mkdir()
                # The machine is shared: the load average before and after goes with the numbers.
                load_before = os.getloadavg()[0]
                r = _run_entry(module_name, entry, args.scale, workdir)
                r["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                results.append(r)
                print(f"  {r['name']:<58} crmkit {r['crmkit_s']:9.3f}s  {r['baseline']:<28} "
                      f"{r['baseline_s']:9.3f}s  ratio {r['ratio']:6.2f}  (target {r['target']})  "
                      f"peak {r['peak_mb']:.0f} MB  load {r['load_avg'][0]:.1f}-{r['load_avg'][1]:.1f}", flush=True)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"scale": args.scale, "results": results}, ensure_ascii=False, indent=2))
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
