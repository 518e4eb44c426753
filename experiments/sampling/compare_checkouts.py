"""Sampling speed of two codeio checkouts on the same rows of a shared corpus, taking turns.

Each round runs the transform + sample of the first ``--limit`` rows of ``--corpus`` (reasoning_gym by
default, or rawcode_1k_parsed: the paper's demo functions) once with each checkout's own
``experiments/sampling/run_stats.py`` (its ``run_corpus``, or ``run`` in older checkouts), each in a
fresh interpreter whose ``sys.path`` starts with that checkout, and prints the sample stage's seconds,
the CPU seconds of the run and the counts. Counts that differ between the checkouts mean they did not do
the same work, and the ratio is then not comparable: the script says so. As everywhere under
``experiments/``, a ratio whose rounds disagree by more than 10% is refused (exit status 3).

    git worktree add /tmp/wt-old ca97ae0
    python experiments/sampling/compare_checkouts.py --old /tmp/wt-old --new . --limit 300
    python experiments/sampling/compare_checkouts.py --old /tmp/wt-old --new . --corpus rawcode_1k_parsed

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

from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    REFUSED_EXIT_CODE,
    Ratio,
    machine_state,
    ratio_cell,
    record,
)

# run in the child: one pass with the checkout given, one JSON line out
ONE_PASS = """
import json, resource, sys
repo, limit, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path[:0] = [repo, repo + "/experiments/sampling"]
import run_stats
run = getattr(run_stats, "run_corpus", None) or run_stats.run
r = run(corpus, limit or None, 0, 0)
cpu = sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
print(json.dumps({"sample_s": r["seconds"]["sample"], "cpu_s": round(cpu, 1), "counts": {
    "passed": r["transform_passed"], "kept": r["functions_kept"], "pairs": r["pairs"],
    "calls": sum(r["call_stats"].values())}}))
"""


def one_pass(repo: Path, limit: int, corpus: str) -> dict:
    done = subprocess.run([sys.executable, "-c", ONE_PASS, str(repo), str(limit), corpus], capture_output=True,
                          text=True, cwd=repo, check=False)
    if done.returncode:
        raise SystemExit(f"the pass with {repo} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="checkout (e.g. a git worktree) of the old code")
    parser.add_argument("--new", type=Path, default=HERE.parents[1])
    parser.add_argument("--corpus", default="reasoning_gym", choices=["reasoning_gym", "rawcode_1k_parsed"])
    parser.add_argument("--limit", type=int, default=300, help="first N rows of the corpus (0: all)")
    parser.add_argument("--rounds", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    parser.add_argument("--out", type=Path, help="also record the rounds here (JSON, and Markdown beside it)")
    parser.add_argument("--per-call", action="store_true",
                        help="compare seconds per executed call, and accept counts that differ by at most 1%% of "
                             "the calls (say, a function one checkout keeps and the other drops on purpose); the "
                             "counts of both are recorded")
    args = parser.parse_args()
    before = machine_state()
    rows, passes = [], []
    lines = ["| round | old sample s (CPU s) | new sample s (CPU s) | new / old, sample wall | new / old, CPU |",
             "|---|---:|---:|---:|---:|"]
    print("\n".join(lines))
    for round_ in range(1, args.rounds + 1):
        old = one_pass(args.old.resolve(), args.limit, args.corpus)
        new = one_pass(args.new.resolve(), args.limit, args.corpus)
        calls_old, calls_new = old["counts"]["calls"], new["counts"]["calls"]
        close = args.per_call and abs(calls_old - calls_new) <= 0.01 * max(calls_old, calls_new)
        if old["counts"] != new["counts"] and not close:
            print(f"round {round_}: the checkouts did different work, not comparable: old {old['counts']}, "
                  f"new {new['counts']}")
            raise SystemExit(1)
        passes.append({"old": old, "new": new})
        scale = calls_old / calls_new if args.per_call else 1.0  # new's seconds per call over old's
        rows.append((new["sample_s"] / old["sample_s"] * scale, new["cpu_s"] / old["cpu_s"] * scale))
        lines.append(f"| {round_} | {old['sample_s']:.1f} ({old['cpu_s']:.1f}) | {new['sample_s']:.1f} "
                     f"({new['cpu_s']:.1f}) | {rows[-1][0]:.2f}x | {rows[-1][1]:.2f}x |")
        print(lines[-1], flush=True)
    counts_text = (f"identical in every pass: {new['counts']}" if old["counts"] == new["counts"]
                   else f"old {old['counts']}, new {new['counts']} (ratios per executed call)")
    print(f"counts, {counts_text}")
    ratios = {label: Ratio("new", "old", values, args.max_spread).to_dict()
              for label, values in (("sample wall, new / old", [r[0] for r in rows]),
                                    ("CPU, new / old", [r[1] for r in rows]))}
    for label, ratio in ratios.items():
        print(f"{label}: median {statistics.median(ratio['values']):.2f}x (spread {100 * ratio['spread']:.1f}%)")
    if args.out is None:
        if any(not r["recorded"] for r in ratios.values()):  # the shared rule: such a ratio is not a result
            print(f"NOT RECORDED: a ratio's rounds disagree by more than {100 * args.max_spread:.0f}%", file=sys.stderr)
            raise SystemExit(REFUSED_EXIT_CODE)
        return
    command = "python experiments/sampling/compare_checkouts.py " + " ".join(sys.argv[1:])
    commits = {name: _commit(path) for name, path in (("old", args.old), ("new", args.new))}
    result = {"command": command, "corpus": args.corpus, "limit": args.limit, "commits": commits,
              "before": before, "after": machine_state(), "counts": {"old": old["counts"], "new": new["counts"]},
              "per_call": args.per_call, "passes": passes, "ratios": ratios}
    markdown = (f"# compare_checkouts ({before['time']})\n\n`{command}`\n\nOld `{commits['old']}`, new "
                f"`{commits['new']}`, corpus {args.corpus} (limit {args.limit or 'none'}), {args.rounds} rounds taking "
                f"turns; load average {before['load_average'][0]} -> {result['after']['load_average'][0]}. Counts: "
                f"{counts_text}.\n\n" + "\n".join(lines) + "\n\n"
                + "\n".join(f"- {label}: {ratio_cell(r)}" for label, r in ratios.items()) + "\n")
    record(result, args.out, markdown)  # refuses (exit 3) when a ratio's rounds disagree


def _commit(path: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(path)


if __name__ == "__main__":
    main()
