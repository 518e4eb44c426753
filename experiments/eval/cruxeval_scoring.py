"""Benchmark: score the official CodeLlama-7B CRUXEval samples (800 tasks x 10, both modes) with
``codeio.eval.cruxeval`` and, optionally, with the test suite's re-implementation of the official loop.

    .venv/bin/python experiments/eval/cruxeval_scoring.py [--reference] [--workers N]

Prints a table and writes ``cruxeval_scoring.json`` / ``cruxeval_scoring.md`` beside this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT.parent / "shared" / "data" / "cruxeval"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", action="store_true", help="also time the official-loop oracle")
    parser.add_argument("--workers", type=int, default=0, help="executor workers (0 = cpu count)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from codeio.eval import cruxeval as cx
    from codeio.execution import make_executor

    tasks = cx.load_cruxeval(DATA / "cruxeval.jsonl")
    rows = []
    with make_executor("forkserver", timeout=4.0, workers=args.workers) as ex:
        for mode in ("output", "input"):
            gens = cx.read_generations(DATA / f"codellama-7b_temp0.2_{mode}_generations.json")
            t0 = time.perf_counter()
            score = cx.score_generations(tasks, gens, mode, ex)
            secs = time.perf_counter() - t0
            row = {"scorer": "codeio (forkserver executor)", "mode": mode, "pass@1": score.pass_at_1,
                   "pass@5": score.pass_at_5, "checks": sum(score.samples_per_task), "seconds": round(secs, 1),
                   "statuses": score.statuses}
            rows.append(row)
            if args.reference:
                from tests.eval.official_reference import reference_scores

                raw = json.loads((DATA / f"codellama-7b_temp0.2_{mode}_generations.json").read_text())
                t0 = time.perf_counter()
                ref = reference_scores(DATA / "cruxeval.jsonl", raw, mode, workers=args.workers or os.cpu_count())
                rows.append({"scorer": "official loop (oracle)", "mode": mode, "pass@1": ref["pass@1"],
                             "pass@5": ref["pass@5"], "checks": row["checks"],
                             "seconds": round(time.perf_counter() - t0, 1)})
    load = os.getloadavg()[0]
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"1-min load average {load:.1f} at the end (other jobs share the cores)")
    lines = ["| scorer | mode | pass@1 | pass@5 | checks | seconds |", "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['scorer']} | {r['mode']} | {r['pass@1']:.4f} | {r['pass@5']:.4f} | {r['checks']} | {r['seconds']} |")
    md = "\n".join(lines) + f"\n\nMachine: {machine}. Command: `{' '.join(['.venv/bin/python', *sys.argv])}`\n"
    print(md)
    (HERE / "cruxeval_scoring.md").write_text(md)
    (HERE / "cruxeval_scoring.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
