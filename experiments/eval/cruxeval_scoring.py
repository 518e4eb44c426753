"""Benchmark: score the official CodeLlama-7B CRUXEval samples (800 tasks x 10, both modes) with
``codeio.eval.cruxeval`` and, optionally, with the test suite's re-implementation of the official loop.

    python experiments/eval/cruxeval_scoring.py [--reference] [--workers N] [--repetitions 3]

The scorers run interleaved, ``--repetitions`` times each (``experiments/benchmethod.py``: median and
spread of the wall time, CPU seconds of the whole process tree, load before/after; a speed-up whose
repetitions disagree by more than 10% is not recorded). Prints a table and writes
``cruxeval_scoring.json`` / ``cruxeval_scoring.md`` beside this script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT.parent / "shared" / "data" / "cruxeval"
sys.path.insert(0, str(ROOT))

from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    Stopwatch,
    interleave,
    median_cell,
    ratio_cell,
    record,
    state_line,
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", action="store_true", help="also time the official-loop oracle")
    parser.add_argument("--workers", type=int, default=0, help="executor workers (0 = cpu count)")
    parser.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N tasks (smoke runs)")
    parser.add_argument("--out", type=Path, default=HERE / "cruxeval_scoring.json")
    args = parser.parse_args()
    from codeio.eval import cruxeval as cx
    from codeio.execution import make_executor

    tasks = cx.load_cruxeval(DATA / "cruxeval.jsonl")[: args.limit]
    kept = {t.id for t in tasks}
    scores: dict[str, list[dict]] = {}

    def codeio_scorer(mode: str, executor):
        gens = {k: v for k, v in cx.read_generations(DATA / f"codellama-7b_temp0.2_{mode}_generations.json").items()
                if k in kept}

        def run():
            with Stopwatch() as watch:
                score = cx.score_generations(tasks, gens, mode, executor)
            scores.setdefault(f"codeio {mode}", []).append(
                {"pass@1": score.pass_at_1, "pass@5": score.pass_at_5, "statuses": score.statuses})
            return watch.sample(work=sum(score.samples_per_task))
        return run

    def official_scorer(mode: str):
        from tests.eval.official_reference import reference_scores

        raw = {k: v for k, v in json.loads((DATA / f"codellama-7b_temp0.2_{mode}_generations.json").read_text()).items()
               if k in kept}

        def run():
            with Stopwatch() as watch:
                ref = reference_scores(DATA / "cruxeval.jsonl", raw, mode, limit=args.limit,
                                       workers=args.workers or os.cpu_count())
            scores.setdefault(f"official {mode}", []).append({"pass@1": ref["pass@1"], "pass@5": ref["pass@5"]})
            return watch.sample(work=sum(len(v) for v in raw.values()))
        return run

    with make_executor("forkserver", timeout=4.0, workers=args.workers) as executor:
        methods = {}
        for mode in ("output", "input"):
            methods[f"codeio {mode}"] = codeio_scorer(mode, executor)
            if args.reference:
                methods[f"official {mode}"] = official_scorer(mode)
        comparison = interleave(methods, repetitions=args.repetitions, max_spread=args.max_spread,
                                on_sample=lambda n, r, s: print(f"repetition {r + 1} {n}: {s.wall_s:.1f} s", flush=True))
    if args.reference:
        for mode in ("output", "input"):
            comparison.ratio(f"codeio {mode}", f"official {mode}", name=f"codeio speed-up over the official loop, {mode}")
    result = {"command": "python experiments/eval/cruxeval_scoring.py " + " ".join(sys.argv[1:]),
              **comparison.to_dict(), "rows": []}
    lines = ["| scorer | mode | pass@1 | pass@5 | checks | wall s median (spread) | CPU s | same scores every repetition |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for name in methods:
        scorer, mode = name.split()
        first = scores[name][0]
        stats = result["methods"][name]
        same = all(s["pass@1"] == first["pass@1"] and s["pass@5"] == first["pass@5"] for s in scores[name])
        label = "codeio (forkserver executor)" if scorer == "codeio" else "official loop (oracle)"
        result["rows"].append({"scorer": label, "mode": mode, **first, "checks": stats["runs"][0]["work"],
                               "seconds": stats["wall_s"], "same_scores_every_repetition": same})
        lines.append(f"| {label} | {mode} | {first['pass@1']:.4f} | {first['pass@5']:.4f} | "
                     f"{int(stats['runs'][0]['work'])} | {median_cell(stats['wall_s'])} | {stats['cpu_s']['median']:.1f} | "
                     f"{'yes' if same else 'NO'} |")
    for name, ratio in result["ratios"].items():
        lines.append(f"\n{name}: {ratio_cell(ratio)}")
    lines += ["", f"{state_line(result['method'])}. Command: `{result['command']}`"]
    text = "\n".join(lines)
    print(text)
    record(result, args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
