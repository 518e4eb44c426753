"""What a fork costs on this machine with no sandbox at all: the floor under every per-call figure.

    flock /tmp/codeio-heavy.lock python experiments/execution/fork_floor.py

A fresh process per call can never cost less than ``fork`` + ``_exit`` + ``waitpid`` of the process it
copies. This measures that for two plain interpreters, each in its own child so their memory differs as a
job template's does: a bare one (stdlib only, like the lean template) and one with numpy imported and its
heap frozen (like the full template). Nothing of codeio runs here: compare with ``bench_overhead.py``'s
baseline (a job process forked from the lean template) to see what the sandbox adds on top.

Prints a table and writes ``fork_floor.json`` / ``fork_floor.md`` beside this script.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from experiments.benchmethod import MAX_SPREAD, MIN_REPETITIONS, Sample, interleave, record, state_line  # noqa: E402

# Runs in a fresh interpreter: fork + exit + wait ``n`` times, then prints wall and CPU seconds (its own
# and its reaped children's, which is where a forked child's exit work is counted).
FORKS = """
import gc, os, resource, sys, time
n, heavy = int(sys.argv[1]), sys.argv[2] == "numpy"
if heavy:
    import numpy  # noqa: F401
    gc.freeze()
def cpu():
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
c0, t0 = cpu(), time.perf_counter()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print(time.perf_counter() - t0, cpu() - c0)
"""

KINDS = {"bare interpreter (stdlib only)": "bare", "interpreter with numpy imported, heap frozen": "numpy"}


def stepwise(kind: str, forks: int, steps: int):
    yield None
    wall = cpu = 0.0
    for _ in range(steps):
        out = subprocess.run([sys.executable, "-c", FORKS, str(forks), kind], capture_output=True, text=True,
                             check=True).stdout.split()
        wall += float(out[0])
        cpu += float(out[1])
        yield 0  # the step's own stopwatch also counts interpreter start-up: the child's figures are used
    return {"forks": forks * steps, "fork_wall_s": wall, "fork_cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forks", type=int, default=500, help="forks per step")
    ap.add_argument("--steps", type=int, default=10, help="steps per repetition, the kinds taking turns")
    ap.add_argument("--repetitions", type=int, default=MIN_REPETITIONS)
    ap.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    ap.add_argument("--out", default=str(HERE / "fork_floor"))
    args = ap.parse_args()
    comparison = interleave({label: (lambda k=kind: stepwise(k, args.forks, args.steps)) for label, kind in KINDS.items()},
                            repetitions=args.repetitions, max_spread=args.max_spread)
    # The child's own timing replaces the step stopwatch (which included starting the interpreter).
    for runs in comparison.samples.values():
        for i, s in enumerate(runs):
            runs[i] = Sample(work=s.extra["forks"], wall_s=s.extra["fork_wall_s"], cpu_s=s.extra["fork_cpu_s"],
                             extra=s.extra)
    labels = list(KINDS)
    comparison.ratio(labels[0], labels[1], name="bare over numpy (forks per second)")
    result = comparison.to_dict()
    rows = ["| process forked | ms per fork + exit + wait (median) | range | CPU ms per fork |", "|---|---:|---|---:|"]
    per_fork = {}
    for label in labels:
        runs = comparison.samples[label]
        ms = sorted(1e3 * s.wall_s / s.work for s in runs)
        cpu = sorted(1e3 * s.cpu_s / s.work for s in runs)
        per_fork[label] = {"ms": ms, "cpu_ms": cpu}
        rows.append(f"| {label} | {ms[len(ms) // 2]:.3f} | {ms[0]:.3f}-{ms[-1]:.3f} | {cpu[len(cpu) // 2]:.3f} |")
    result["per_fork"] = per_fork
    command = "python experiments/execution/fork_floor.py " + " ".join(sys.argv[1:])
    date = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    text = "\n".join([f"# fork_floor ({date})", "", f"`{command.strip()}`", "",
                      f"{args.repetitions} repetitions of {args.steps} x {args.forks} forks per kind, the kinds "
                      f"taking turns step by step; {state_line(result['method'])}.", "", *rows]) + "\n"
    print(text)
    record(result | {"command": command.strip(), "date": date}, Path(args.out).with_suffix(".json"), text)


if __name__ == "__main__":
    main()
