"""Benchmark: the paper's verification checks, run by every available executor and by the paper's method.

Each of the 464 functions of ../shared/data/codeio_reference/rawcode_1k_parsed.jsonl is called on its
first recorded input and its value compared with the recorded output (PAPER.md's closeness rule).
Methods, all on this machine in one run:

* ``inprocess``: the floor. One interpreter calls every function itself, no isolation (a crash only
  restarts it at the next function). Its total time divided by the core count is the ideal.
* ``paper``: the paper's method: a fresh ``python -`` per check reading the import prelude, the code and
  a check that compares inside the untrusted process; exit code 0 = pass. ``cores`` checks at a time.
* ``forkserver``, ``bwrap``, ``subprocess``, ``docker``: our executors (each one that can start here),
  comparison done in this trusted process on the returned JSON.

The benchmark method is ``experiments/benchmethod.py``'s: ``--repeats`` repetitions (at least 3) of every
method, each repetition running the checks in ``--blocks`` blocks with the methods taking turns block by
block (an executor's start-up and shutdown included in its first and last block), so that a burst of
load hits every method alike; an untimed pass of the floor first warms the page cache. The table gives the median wall time and its spread, the median CPU
seconds of the method's whole process tree, checks per second and the verdict agreement with the floor.
Every speed-up (over the paper's method, and against the floor) is taken repetition by repetition; one
whose repetitions disagree by more than 10% is refused and then nothing is written (exit status 3).
Otherwise it writes ``bench_verify_results.json`` and ``bench_verify_results.md`` beside this script.

    flock /tmp/codeio-heavy.lock python experiments/execution/bench_verify.py   # everything (~10 minutes)
    python experiments/execution/bench_verify.py --limit 50 --methods inprocess,forkserver --out /tmp/bench_verify_quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from codeio.execution import Job, make_executor  # noqa: E402
from codeio.execution.config import DEFAULT_PRELUDE  # noqa: E402
from codeio.verify.compare import outputs_match  # noqa: E402
from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    Ratio,
    Sample,
    interleave,
    ratio_cell,
    record,
    state_line,
)

DATA = REPO.parent / "shared" / "data" / "codeio_reference" / "rawcode_1k_parsed.jsonl"
HERE = Path(__file__).resolve().parent
ALL_METHODS = ("inprocess", "paper", "forkserver", "bwrap", "subprocess", "docker")

# The paper-method check compares inside the child, as the paper's scripts do; same rule as
# codeio.verify.compare (canonical text equal, else recursive closeness, rel. error 1e-3, same int part).
PAPER_CHECK = '''
import json as _json, sys as _sys, math as _math
def _close(a, b):
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if num(a) and num(b):
        if any(isinstance(v, float) and not _math.isfinite(v) for v in (a, b)):
            return False
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return int(a) == int(b) and abs(a - b) <= 1e-3 * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) is type(b) and a == b
_inp = _json.loads(%r)
_exp = _json.loads(%r)
_out = _json.loads(_json.dumps(%s(**_inp)))
_dump = lambda v: _json.dumps(v, sort_keys=True)
_sys.exit(0 if (_dump(_out) == _dump(_exp) or _close(_out, _exp)) else 1)
'''


def load_checks(limit: int | None) -> list[dict[str, Any]]:
    checks = []
    with open(DATA, encoding="utf-8") as f:
        for index, line in enumerate(f):
            row = json.loads(line)
            if not row.get("ios"):
                continue
            pair = row["ios"][0]
            checks.append({"index": index, "code": row["refcode"], "entry": row.get("funcname") or "main_solution",
                           "input": pair["input"], "output": pair["output"]})
    return checks[:limit] if limit else checks


# ---------------------------------------------------------------------------------------------------
def inprocess_child(path: str, timeout: float) -> None:
    """--floor-child mode: read ``start end`` lines on stdin, call those functions in this process, and
    write one JSON line per check on a saved fd (the functions' own prints go to /dev/null)."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    prelude: dict[str, Any] = {}
    for line in DEFAULT_PRELUDE:
        try:
            exec(line, prelude)
        except Exception:  # noqa: BLE001
            pass
    checks = json.loads(Path(path).read_text())

    def alarm(*_: Any) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    import random
    import types

    import numpy

    for request in sys.stdin:
        start, end = map(int, request.split())
        for check in checks[start:end]:
            started = time.perf_counter()
            verdict = False
            try:
                signal.setitimer(signal.ITIMER_REAL, timeout)
                # the same conditions as an executor child: a real module, random and numpy seeded with 0
                module = types.ModuleType("__codeio_job__")
                module.__dict__.update(prelude)
                module.__dict__["__name__"] = "__codeio_job__"
                sys.modules["__codeio_job__"] = module
                exec(compile(check["code"], "<job>", "exec"), module.__dict__)
                random.seed(0)
                numpy.random.seed(0)
                value = json.loads(json.dumps(module.__dict__[check["entry"]](**check["input"])))
                signal.setitimer(signal.ITIMER_REAL, 0)
                verdict = outputs_match(value, check["output"])
            except BaseException:  # noqa: BLE001 - SystemExit and friends are failed checks too
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.write(json.dumps({"index": check["index"], "pass": verdict,
                                  "seconds": time.perf_counter() - started}) + "\n")
    os._exit(0)


class Floor:
    """The in-process floor: one interpreter that calls the functions itself, block by block; a function
    that kills it fails its check and a fresh interpreter carries on from the next one."""

    def __init__(self, checks: list[dict[str, Any]], timeout: float, path: Path) -> None:
        self.checks, self.timeout, self.path = checks, timeout, path
        path.write_text(json.dumps(checks))
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, __file__, "--floor-child", str(self.path), str(self.timeout)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE)

    def run(self, start: int, end: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while start + len(rows) < end:
            if self.proc is None:
                self.proc = self._start()
            self.proc.stdin.write(f"{start + len(rows)} {end}\n")
            self.proc.stdin.flush()
            while start + len(rows) < end:
                line = self.proc.stdout.readline()
                if not line:  # the function at this index killed the interpreter
                    self.proc.wait()
                    self.proc = None
                    rows.append({"index": self.checks[start + len(rows)]["index"], "pass": False,
                                 "seconds": self.timeout})
                    break
                rows.append(json.loads(line))
        return rows

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()
            self.proc = None


PAPER_TIMEOUTS = [0]


def paper_block(block: list[dict[str, Any]], timeout: float, cores: int, workdir: str) -> dict[int, bool]:
    """The paper's method on a block of checks: a fresh ``python -`` per check, ``cores`` at a time."""
    prelude = "\n".join(DEFAULT_PRELUDE) + "\n"

    def one(check: dict[str, Any]) -> tuple[int, bool]:
        script = prelude + check["code"] + "\n" + PAPER_CHECK % (
            json.dumps(check["input"]), json.dumps(check["output"]), check["entry"])
        try:
            proc = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True,
                                  timeout=timeout, cwd=workdir)
            return check["index"], proc.returncode == 0
        except subprocess.TimeoutExpired:  # interpreter start-up and prelude count, as in the paper
            PAPER_TIMEOUTS[0] += 1
            return check["index"], False

    with ThreadPoolExecutor(max_workers=cores) as pool:
        return dict(pool.map(one, block))


def executor_block(executor: Any, block: list[dict[str, Any]]) -> dict[int, bool]:
    jobs = [Job.single(c["code"], c["input"], entry=c["entry"]) for c in block]
    verdicts = {}
    for check, result in zip(block, executor.run(jobs), strict=True):
        call = result.calls[0]  # compared here, in the trusted process, never in the job
        verdicts[check["index"]] = call.ok and outputs_match(call.value(), check["output"])
    return verdicts


def method_steps(method: str, checks: list[dict[str, Any]], args: argparse.Namespace,
                 verdicts: list[dict[int, bool]], floor_seconds: dict[int, float]) -> Iterator[int | None]:
    """One repetition of one method as steps of ``--blocks`` blocks of checks (benchmethod's stepwise
    form): the methods take turns block by block. The first step includes starting the method's
    executor, the last one closing it."""
    size = -(-len(checks) // args.blocks)
    blocks = [checks[i:i + size] for i in range(0, len(checks), size)]
    found: dict[int, bool] = {}
    yield None  # nothing to set up outside the stopwatch
    if method == "inprocess":
        floor = Floor(checks, args.timeout, HERE / f".bench_checks_{os.getpid()}.json")
        try:
            for k, block in enumerate(blocks):
                start = k * size
                for row in floor.run(start, start + len(block)):
                    found[row["index"]] = row["pass"]
                    floor_seconds.setdefault(row["index"], row["seconds"])
                if k == len(blocks) - 1:
                    floor.close()
                yield len(block)
        finally:
            floor.close()
            floor.path.unlink(missing_ok=True)
    elif method == "paper":
        # an empty working directory: `python -` puts the cwd first on sys.path, and a crowded /tmp makes
        # every import scan it (seconds per check on a busy shared machine)
        workdir = tempfile.mkdtemp(prefix="bench-paper-")
        try:
            for block in blocks:
                found.update(paper_block(block, args.timeout, args.cores, workdir))
                yield len(block)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        executor = None
        try:
            for k, block in enumerate(blocks):
                if executor is None:
                    executor = make_executor(method, timeout=args.timeout, workers=args.cores).__enter__()
                found.update(executor_block(executor, block))
                if k == len(blocks) - 1:
                    executor, closing = None, executor
                    closing.__exit__(None, None, None)
                yield len(block)
        finally:
            if executor is not None:
                executor.__exit__(None, None, None)
    verdicts.append(found)


def probe(method: str, args: argparse.Namespace) -> str | None:
    """Why ``method`` cannot run here (an executor that cannot start), or None. Untimed."""
    if method in ("inprocess", "paper"):
        return None
    try:
        with make_executor(method, timeout=args.timeout, workers=1) as executor:
            executor.run([Job.single("def main_solution():\n    return 1\n", {})])
    except Exception as exc:  # noqa: BLE001 - reported, the method is skipped
        cause = exc.__cause__ or exc
        return f"{type(cause).__name__}: {str(cause).splitlines()[0][:200]}"
    return None


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        inprocess_child(sys.argv[2], float(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N functions")
    parser.add_argument("--methods", default=",".join(ALL_METHODS))
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of every method")
    parser.add_argument("--blocks", type=int, default=16,
                        help="a repetition runs the checks in this many blocks, the methods taking turns")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD,
                        help="refuse to record a ratio whose repetitions differ by more than this fraction")
    parser.add_argument("--out", default=str(HERE / "bench_verify_results"))
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"data not found: {DATA} (see ../shared/data/README.md)")
    if args.repeats < MIN_REPETITIONS:
        parser.error(f"--repeats must be at least {MIN_REPETITIONS} (a median and a spread need them)")
    checks = load_checks(args.limit)
    skipped = {m: why for m in args.methods.split(",") if m and (why := probe(m, args))}
    for method, why in skipped.items():
        print(f"{method:>11}: skipped ({why})", flush=True)
    methods = [m for m in args.methods.split(",") if m and m not in skipped]
    verdicts: dict[str, list[dict[int, bool]]] = {m: [] for m in methods}
    floor_seconds: dict[int, float] = {}

    def report(name: str, repetition: int, sample: Sample) -> None:
        print(f"repetition {repetition + 1} {name:>11}: {sample.wall_s:8.2f} s  CPU {sample.cpu_s:7.2f} s  "
              f"{sum(verdicts[name][-1].values())} pass  load {os.getloadavg()[0]:.2f}", flush=True)

    if "inprocess" in methods:
        # untimed warm-up: the floor imports every module the functions use once, so the first timed
        # repetition does not pay for reading them from disk while the later ones find them cached
        warm = Floor(checks, args.timeout, HERE / f".bench_checks_{os.getpid()}.json")
        try:
            warm.run(0, len(checks))
        finally:
            warm.close()
            warm.path.unlink(missing_ok=True)
    comparison = interleave(
        {m: (lambda m=m: method_steps(m, checks, args, verdicts[m], floor_seconds)) for m in methods},
        repetitions=args.repeats, max_spread=args.max_spread, on_sample=report)
    result = comparison.to_dict()

    floor = verdicts["inprocess"][0] if "inprocess" in verdicts else None
    # reproducible: the floor reproduces the recorded output, well within the time limit (a function
    # taking most of the limit in-process passes or times out depending on the machine's load)
    reproducible = ([i for i, ok in floor.items() if ok and floor_seconds[i] < args.timeout / 2]
                    if floor else [])
    rows: dict[str, dict[str, Any]] = {}
    for method in methods:
        stats = result["methods"][method]
        first = verdicts[method][0]
        row = {"seconds_median": stats["wall_s"]["median"], "seconds_spread": stats["wall_s"]["spread"],
               "seconds_runs": stats["wall_s"]["values"], "cpu_seconds_median": round(stats["cpu_s"]["median"], 2),
               "cpu_seconds_runs": stats["cpu_s"]["values"],
               "checks_per_second": round(stats["rate"]["median"], 2), "passes": sum(first.values()),
               "verdicts_stable_across_repetitions": all(v == first for v in verdicts[method])}
        if method == "docker":  # the daemon, not this process, runs and reaps the containers' processes
            row["cpu_seconds_median"] = "n/a"
        if floor is not None:
            row["agree_with_floor"] = sum(first[i] == floor[i] for i in floor)
            row["agree_on_reproducible"] = sum(first[i] for i in reproducible)
            row["reproducible_failed"] = sorted(i for i in reproducible if not first[i])
            row["disagreements"] = sorted(i for i in floor if first[i] != floor[i])
        rows[method] = row
    if "inprocess" in rows:
        for row in rows.values():
            if isinstance(row["cpu_seconds_median"], float):
                row["cpu_x_floor"] = round(row["cpu_seconds_median"] / max(rows["inprocess"]["cpu_seconds_median"], 1e-9), 2)
    if "paper" in rows:
        rows["paper"]["timeouts"] = PAPER_TIMEOUTS[0]
    # ratios repetition by repetition (repetition i of every method ran block by block in turn)
    for method in methods:
        if method != "paper" and "paper" in methods:
            rows[method]["speed-up vs paper"] = comparison.ratio(method, "paper", f"{method}: speed-up vs paper").to_dict()
        if method != "inprocess" and "inprocess" in methods:
            # this method's wall seconds over the ideal: the floor spread over every core
            to_floor = comparison.ratio("inprocess", method)
            del comparison.ratios["inprocess / " + method]
            ideal = Ratio(method, "inprocess / cores", [v * args.cores for v in to_floor.values], args.max_spread)
            comparison.ratios[f"{method}: x (floor / cores)"] = ideal
            rows[method]["x (floor / cores)"] = ideal.to_dict()
    for method, why in skipped.items():
        rows[method] = {"skipped": why}

    meta = {"functions": len(checks), "reproducible": len(reproducible), "cores": args.cores,
            "timeout": args.timeout, "repeats": args.repeats, "blocks": args.blocks,
            "python": platform.python_version(), "interpreter": sys.executable, "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "command": "python experiments/execution/bench_verify.py " + " ".join(sys.argv[1:])}
    header = ("| method | wall s (median) | spread | checks/s | CPU s | CPU x floor | passes | agree w/ floor | "
              "reproducible passed | x (floor / cores) | speed-up vs paper |")
    lines = [header, "|" + "---|" * 11]
    for method, row in rows.items():
        if "skipped" in row:
            lines.append(f"| {method} | skipped: {row['skipped']} |" + " |" * 9)
            continue
        lines.append(f"| {method} | {row['seconds_median']} | {100 * row['seconds_spread']:.1f}% | "
                     f"{row['checks_per_second']} | {row['cpu_seconds_median']} | {row.get('cpu_x_floor', '')} | "
                     f"{row['passes']} | {row.get('agree_with_floor', '')}/{len(checks)} | "
                     f"{row.get('agree_on_reproducible', '')}/{len(reproducible)} | "
                     f"{_ratio(row, 'x (floor / cores)')} | {_ratio(row, 'speed-up vs paper')} |")
    table = "\n".join(lines)
    print()
    print(table)
    result = {"meta": meta, **comparison.to_dict(), "rows": rows}
    markdown = (
        f"# bench_verify ({meta['date']})\n\n`{meta['command']}`\n\n{len(checks)} functions, "
        f"{len(reproducible)} reproducible in-process (recorded output matched in under half the time "
        f"limit), {args.cores} cores, timeout {args.timeout} s, Python {meta['python']} at "
        f"{meta['interpreter']}. {state_line(result['method'])}; each repetition ran the checks in "
        f"{args.blocks} blocks, the methods taking turns block by block (an executor's start-up and "
        f"shutdown included). Wall seconds: median and spread ((max - min) / median) over the repetitions; "
        f"CPU seconds of the method's whole process tree. Ratios are medians of the per-repetition ratios."
        f"\n\n{table}\n")
    record(result, Path(args.out + ".json"), markdown)  # refuses (exit 3) when a ratio's repetitions disagree


def _ratio(row: dict[str, Any], label: str) -> str:
    return ratio_cell(row[label]) if label in row else ""


if __name__ == "__main__":
    main()
