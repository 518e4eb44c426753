"""Agreement: the same calls through two checkouts' executors give the same results, call by call.

Calls (all real data, ``../shared/data``):

* ``demo checks``: every function of ``codeio_reference/rawcode_1k_parsed.jsonl`` (the paper's demo) on
  every recorded input, one job per input, as the verifier runs them;
* ``demo batched``: the same calls, one job per function holding all its inputs, as the sampler runs them;
* ``generated``: the first ``--generated`` functions of ``reasoning_gym/codeio.json.gz`` with their input
  generators, ``--seeds`` seeded generator calls each, one job per function.

Each checkout runs in a fresh interpreter whose ``sys.path`` starts with it (same executor, same
options), each twice, taking turns, so that calls whose result changes between two runs of the same
code (clocks, unseeded randomness, object addresses, calls close to the time limit) are told apart
from calls on which the checkouts disagree. A call agrees when status, value and generated input are
byte-identical. Writes agreement.{json,md} beside this script; exit status 1 if the checkouts disagree
on a call that each of them reproduces.

    python experiments/execution/agreement.py --reference /work/bench-before --candidate .
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from codeio.shared_data import shared_data_dir  # noqa: E402 - after the path insert

RUNNER = r"""
import json, sys
repo, executor, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
sys.path.insert(0, repo)
from codeio.execution import Call, Job, make_executor
groups = json.load(sys.stdin)
out = {}
with make_executor(executor, timeout=timeout) as ex:
    for name, jobs in groups.items():
        built = [Job(code=j["code"], entry=j["entry"], generator=j.get("generator"),
                     calls=[Call(**c) for c in j["calls"]]) for j in jobs]
        out[name] = [[[c.status, c.value_json, c.input_json] for c in r.calls] for r in ex.run(built)]
json.dump(out, sys.stdout)
"""


def demo_jobs(limit: int = 0) -> tuple[list[dict], list[dict]]:
    rows = [json.loads(line) for line in (shared_data_dir() / "codeio_reference" / "rawcode_1k_parsed.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[:limit] if limit else rows
    checks, batched = [], []
    for row in rows:
        entry = row.get("funcname") or "main_solution"
        calls = [{"kwargs_json": json.dumps(io["input"])} for io in row.get("ios") or [] if isinstance(io.get("input"), dict)]
        checks += [{"code": row["refcode"], "entry": entry, "calls": [call]} for call in calls]
        if calls:
            batched.append({"code": row["refcode"], "entry": entry, "calls": calls})
    return checks, batched


def generated_jobs(count: int, seeds: int) -> list[dict]:
    with gzip.open(shared_data_dir() / "reasoning_gym" / "codeio.json.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(count), f, strict=False)]
    return [{"code": "from random import Random\n" + row["code_sample"] + "\n\n" + row["input_generator"],
             "entry": "main_solution", "generator": "generate_inputs",
             "calls": [{"generate": True, "seed": seed} for seed in range(seeds)]} for row in rows]


def run(repo: Path, groups: dict, executor: str, timeout: float, python: str) -> dict:
    done = subprocess.run([python, "-c", RUNNER, str(repo), executor, str(timeout)], input=json.dumps(groups),
                          capture_output=True, text=True, cwd=repo, check=False)
    if done.returncode:
        raise SystemExit(f"the run with {repo} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="checkout of the current executor")
    parser.add_argument("--candidate", type=Path, default=HERE.parents[1])
    parser.add_argument("--executor", default="forkserver")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--demo", type=int, default=0, help="first N demo functions (0: all)")
    parser.add_argument("--generated", type=int, default=300, help="reasoning_gym functions")
    parser.add_argument("--seeds", type=int, default=10, help="generator calls per function")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--out", default=str(HERE / "agreement"))
    args = parser.parse_args()
    checks, batched = demo_jobs(args.demo)
    groups = {"demo checks": checks, "demo batched": batched, "generated": generated_jobs(args.generated, args.seeds)}
    started = time.time()
    reference, candidate, reference2, candidate2 = (
        run(path.resolve(), groups, args.executor, args.timeout, args.python)
        for path in (args.reference, args.candidate, args.reference, args.candidate))
    summary, differences = {}, []
    for name in groups:
        counts = Counter()
        runs = zip(reference[name], candidate[name], reference2[name], candidate2[name], strict=True)
        for job, (ref, cand, ref2, cand2) in enumerate(runs):
            for call, (a, b, c, d) in enumerate(zip(ref, cand, ref2, cand2, strict=True)):
                if a == b == c == d:
                    counts["identical in all four runs"] += 1
                elif a != c or b != d:
                    counts["a checkout differs from itself (not comparable)"] += 1
                else:
                    counts["the checkouts disagree"] += 1
                    differences.append({"group": name, "job": job, "call": call, "reference": a, "candidate": b})
        summary[name] = {"calls": sum(counts.values()), **counts}
    meta = {"command": "python experiments/execution/agreement.py " + " ".join(sys.argv[1:]),
            "reference": _commit(args.reference), "candidate": _commit(args.candidate), "executor": args.executor,
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "seconds": round(time.time() - started)}
    lines = ["| calls | count | identical in all four runs | a checkout differs from itself | checkouts disagree |",
             "|---|---:|---:|---:|---:|"]
    for name, row in summary.items():
        lines.append(f"| {name} | {row['calls']:,} | {row.get('identical in all four runs', 0):,} | "
                     f"{row.get('a checkout differs from itself (not comparable)', 0):,} | "
                     f"{row.get('the checkouts disagree', 0):,} |")
    table = "\n".join(lines)
    print(table)
    for item in differences[:20]:
        print("DISAGREE", json.dumps(item)[:400])
    Path(args.out + ".json").write_text(json.dumps({"meta": meta, "summary": summary, "differences": differences},
                                                   indent=1) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(
        f"# agreement ({meta['date']})\n\n`{meta['command']}`\n\nReference `{meta['reference']}` and candidate "
        f"`{meta['candidate']}`, each run twice, taking turns; executor `{args.executor}`, {meta['seconds']} s.\n\n"
        f"{table}\n",
        encoding="utf-8")
    print(f"wrote {args.out}.json and .md")
    if differences:
        raise SystemExit(1)


def _commit(path: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(path)


if __name__ == "__main__":
    main()
