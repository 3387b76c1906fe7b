"""Renders bench/results/latest.json as the Markdown table recorded in docs/benchmarks.md."""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main(path=HERE / "results" / "latest.json"):
    data = json.loads(pathlib.Path(path).read_text())
    print(f"Scale {data['scale']} (`python bench/run.py --scale {data['scale']}`).\n")
    print("| measurement | crmkit (s) | baseline | baseline (s) | ratio | target | peak MB |")
    print("|---|---:|---|---:|---:|---|---:|")
    for r in data["results"]:
        print(f"| {r['name']} | {r['crmkit_s']:.3f} | {r['baseline']} | {r['baseline_s']:.3f} | "
              f"{r['ratio']:.2f} | {r['target']} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
