"""Sampling speed of two codeio checkouts on the same reasoning_gym rows, taking turns.

Each round runs the transform + sample of the first ``--limit`` rows once with each checkout's own
``experiments/sampling/run_stats.py`` (its ``run_corpus``, or ``run`` in older checkouts), each in a
fresh interpreter whose ``sys.path`` starts with that checkout, and prints the sample stage's seconds,
the CPU seconds of the run and the counts. Counts that differ between the checkouts mean they did not do
the same work, and the ratio is then not comparable: the script says so. As everywhere under
``experiments/``, a ratio whose rounds disagree by more than 10% is refused (exit status 3).

    git worktree add /tmp/wt-old ca97ae0
    python experiments/sampling/compare_checkouts.py --old /tmp/wt-old --new . --limit 300

Use the same interpreter for both, outside ``/tmp`` if the old checkout predates commit ``7cf4369`` (its
sandbox hid an interpreter living under ``/tmp``, so every smoke run failed with a missing module).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.benchmethod import MAX_SPREAD, MIN_REPETITIONS, REFUSED_EXIT_CODE, spread  # noqa: E402

# run in the child: one pass with the checkout given, one JSON line out
ONE_PASS = """
import json, resource, sys
repo, limit = sys.argv[1], int(sys.argv[2])
sys.path[:0] = [repo, repo + "/experiments/sampling"]
import run_stats
run = getattr(run_stats, "run_corpus", None) or run_stats.run
r = run("reasoning_gym", limit, 0, 0)
cpu = sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
print(json.dumps({"sample_s": r["seconds"]["sample"], "cpu_s": round(cpu, 1), "counts": {
    "passed": r["transform_passed"], "kept": r["functions_kept"], "pairs": r["pairs"],
    "calls": sum(r["call_stats"].values())}}))
"""


def one_pass(repo: Path, limit: int) -> dict:
    done = subprocess.run([sys.executable, "-c", ONE_PASS, str(repo), str(limit)], capture_output=True,
                          text=True, cwd=repo, check=False)
    if done.returncode:
        raise SystemExit(f"the pass with {repo} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="checkout (e.g. a git worktree) of the old code")
    parser.add_argument("--new", type=Path, default=HERE.parents[1])
    parser.add_argument("--limit", type=int, default=300, help="first N reasoning_gym rows")
    parser.add_argument("--rounds", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    args = parser.parse_args()
    rows = []
    print("| round | old sample s (CPU s) | new sample s (CPU s) | new / old, sample wall | new / old, CPU |")
    print("|---|---:|---:|---:|---:|")
    for round_ in range(1, args.rounds + 1):
        old, new = one_pass(args.old.resolve(), args.limit), one_pass(args.new.resolve(), args.limit)
        if old["counts"] != new["counts"]:
            print(f"round {round_}: the checkouts did different work, not comparable: old {old['counts']}, "
                  f"new {new['counts']}")
            raise SystemExit(1)
        rows.append((new["sample_s"] / old["sample_s"], new["cpu_s"] / old["cpu_s"]))
        print(f"| {round_} | {old['sample_s']:.1f} ({old['cpu_s']:.1f}) | {new['sample_s']:.1f} ({new['cpu_s']:.1f}) | "
              f"{rows[-1][0]:.2f}x | {rows[-1][1]:.2f}x |", flush=True)
    print(f"counts, identical in every pass: {new['counts']}")
    unstable = False
    for label, values in (("sample wall", [r[0] for r in rows]), ("CPU", [r[1] for r in rows])):
        print(f"{label}: median {statistics.median(values):.2f}x (spread {100 * spread(values):.1f}%)")
        unstable |= spread(values) > args.max_spread
    if unstable:  # the shared rule (experiments/benchmethod.py): such a ratio is not a result
        print(f"NOT RECORDED: a ratio's rounds disagree by more than {100 * args.max_spread:.0f}%", file=sys.stderr)
        raise SystemExit(REFUSED_EXIT_CODE)


if __name__ == "__main__":
    main()
