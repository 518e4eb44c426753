"""Benchmark: what one call of a trivial function costs through each executor, in several checkouts.

Every (checkout, executor, job shape) is a method with its own long-lived server process: a fresh
interpreter whose ``sys.path`` starts with that checkout, holding one executor with one worker. The
methods take turns block by block (``experiments/benchmethod.py``'s stepwise interleaving), so a burst
of load lands on all of them alike. Shapes: jobs of one call and jobs of ten calls (the sampler's and
verifier's batching), of ``x * x``, once as is and once in a module that imports numpy (in this
checkout that job runs in the full job template, the other in the lean one; older checkouts have one
path). Per method: milliseconds per call (wall, one worker), CPU milliseconds per call of the whole
process tree (``n/a`` for docker, whose worker the daemon runs), and the ratio of each checkout's calls
per second to the reference checkout's, taken repetition by repetition and refused above 10% spread.

    git worktree add --detach /work/bench-old ca97ae0       # the old record's commit (about 2 ms a call)
    git worktree add --detach /work/bench-before 49b3d4e     # the sandbox of issue #14 (6-8 ms a call)
    flock /tmp/codeio-heavy.lock python experiments/execution/bench_call_cost.py \\
        --checkout old=/work/bench-old --checkout before=/work/bench-before --checkout new=. \\
        --executors forkserver,bwrap --reference old

Use one interpreter for every checkout, outside ``/tmp`` for checkouts older than ``7cf4369`` (their
sandbox hid an interpreter living under ``/tmp``). Writes bench_call_cost.{json,md} beside this script
(``--out``). Needs root (every executor sandboxes as root here).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.benchmethod import (  # noqa: E402 - after the path insert
    MAX_SPREAD,
    MIN_REPETITIONS,
    interleave,
    ratio_cell,
    record,
    state_line,
)

CODE = {"plain": "def main_solution(x):\n    return x * x\n",
        "numpy": "import numpy as np\n\ndef main_solution(x):\n    return x * x\n"}
SHAPES = {"1-call plain": ("plain", 1), "1-call numpy": ("numpy", 1), "10-call plain": ("plain", 10),
          "10-call numpy": ("numpy", 10)}
"""Job shapes: calls per job, and whether the function's module imports numpy."""

# The server: one executor of one checkout; a line "N" on stdin runs N calls, then prints "ok".
SERVER = r"""
import json, sys
repo, executor, kind, per_job, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[6])
sys.path.insert(0, repo)
from codeio.execution import Call, Job, make_executor
code = json.loads(sys.argv[5])
with make_executor(executor, workers=workers, timeout=5.0) as ex:
    ex.run([Job(code=code, calls=[Call(kwargs_json='{"x": 3}')] * per_job)] * 3)  # warm
    print("ready", flush=True)
    for line in sys.stdin:
        calls = int(line)
        jobs = [Job(code=code, calls=[Call(kwargs_json=json.dumps({"x": i + k})) for k in range(per_job)])
                for i in range(0, calls, per_job)]
        results = ex.run(jobs)
        bad = [c for r in results for c in r.calls if c.status != "ok" or c.value() != json.loads(c.value_json)]
        values = [c.value() for r in results for c in r.calls]
        expected = [(i + k) * (i + k) for i in range(0, calls, per_job) for k in range(per_job)]
        print("ok" if values == expected and not bad else "wrong %r" % (values[:3],), flush=True)
"""


def method(repo: Path, executor: str, shape: str, steps: int, calls_per_step: int, python: str, workers: int):
    """Stepwise method: start the server (untimed), then one block of calls per step."""
    kind, per_job = SHAPES[shape]

    def run():
        proc = subprocess.Popen([python, "-c", SERVER, str(repo), executor, kind, str(per_job), json.dumps(CODE[kind]),
                                 str(workers)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=repo)
        try:
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"{repo} {executor}: the server did not start (see its stderr above)")
            yield None
            for _ in range(steps):
                proc.stdin.write(f"{calls_per_step}\n")
                proc.stdin.flush()
                answer = proc.stdout.readline().strip()
                if answer != "ok":
                    raise SystemExit(f"{repo} {executor} {shape}: {answer or 'server died'}")
                yield calls_per_step
        finally:
            proc.stdin.close()
            proc.wait(60)
        return {}

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", action="append", required=True, metavar="NAME=PATH",
                        help="a checkout to measure (repeat); e.g. old=/work/bench-old new=.")
    parser.add_argument("--reference", help="the checkout every ratio divides by (default: the first)")
    parser.add_argument("--executors", default="forkserver,bwrap")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"among: {', '.join(SHAPES)}")
    parser.add_argument("--steps", type=int, default=10, help="blocks per method per repetition")
    parser.add_argument("--calls", type=int, default=100, help="calls per block")
    parser.add_argument("--repeats", type=int, default=MIN_REPETITIONS)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    parser.add_argument("--python", default=sys.executable, help="interpreter of every server")
    parser.add_argument("--workers", type=int, default=1, help="workers of each executor: 1 gives the latency of "
                        "a call; the core count, the cost of a call when a stage keeps every core busy")
    parser.add_argument("--out", default=str(HERE / "bench_call_cost"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: the executors sandbox every job as root")
    checkouts = dict(item.split("=", 1) for item in args.checkout)
    reference = args.reference or next(iter(checkouts))
    executors = [e for e in args.executors.split(",") if e]
    shapes = [s for s in args.shapes.split(",") if s]
    methods = {}
    for executor in executors:
        for shape in shapes:
            for name, path in checkouts.items():
                methods[f"{name} | {executor} | {shape}"] = method(Path(path).resolve(), executor, shape, args.steps,
                                                                   args.calls, args.python, args.workers)

    def progress(name, repetition, sample):
        print(f"  rep {repetition + 1} {name}: {1e3 * sample.wall_s / sample.work:.2f} ms/call "
              f"(CPU {1e3 * sample.cpu_s / sample.work:.2f})", flush=True)

    comparison = interleave(methods, repetitions=args.repeats, max_spread=args.max_spread, on_sample=progress)
    for executor in executors:
        for shape in shapes:
            for name in checkouts:
                if name != reference:
                    comparison.ratio(f"{name} | {executor} | {shape}", f"{reference} | {executor} | {shape}")
    result = comparison.to_dict()
    result["meta"] = {"command": "python experiments/execution/bench_call_cost.py " + " ".join(sys.argv[1:]),
                      "workers": args.workers,
                      "checkouts": {name: {"path": str(Path(p).resolve()), "commit": _commit(Path(p))}
                                    for name, p in checkouts.items()},
                      "python": args.python, "kernel": platform.release(),
                      "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    lines = [f"| executor | job shape | {' | '.join(f'{n}: ms per call (CPU)' for n in checkouts)} | "
             + " | ".join(f"{n} vs {reference}" for n in checkouts if n != reference) + " |",
             "|---|---|" + "---:|" * len(checkouts) + "---|" * (len(checkouts) - 1)]
    for executor in executors:
        for shape in shapes:
            cells = []
            for name in checkouts:
                stats = result["methods"][f"{name} | {executor} | {shape}"]
                ms = 1e3 / stats["rate"]["median"]
                cpu = statistics.median(r["cpu_s"] / r["work"] for r in stats["runs"]) * 1e3
                cpu_text = "n/a" if executor == "docker" else f"{cpu:.2f}"
                cells.append(f"{ms:.2f} ({cpu_text})")
            ratios = [ratio_cell(result["ratios"][f"{name} | {executor} | {shape} / {reference} | {executor} | {shape}"])
                      for name in checkouts if name != reference]
            lines.append(f"| {executor} | {shape} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    table = "\n".join(lines)
    print(table)
    commits = ", ".join(f"{n} = `{c['commit']}`" for n, c in result["meta"]["checkouts"].items())
    markdown = (f"# bench_call_cost ({result['meta']['date']})\n\n`{result['meta']['command']}`\n\n"
                f"Checkouts: {commits}; interpreter {args.python}; {state_line(result['method'])}. {args.workers} "
                f"worker(s) per executor; {args.steps} blocks of {args.calls} calls per method and repetition. "
                f"Milliseconds per call: median over repetitions of wall / calls; CPU: the whole process tree "
                f"(docker: n/a, the daemon runs its worker). Ratios: calls per second over the reference's, per "
                f"repetition.\n\n"
                f"{table}\n")
    record(result, Path(args.out + ".json"), markdown)


def _commit(path: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


if __name__ == "__main__":
    main()
