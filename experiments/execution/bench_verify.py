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

Methods run interleaved, ``--repeats`` rounds (default 3, the order rotating each round); the table
gives the median wall time and its spread, the median CPU seconds of the whole process tree, and the
load average around each run. Prints checks per second, the verdict agreement with the floor, and writes
``bench_verify_results.json`` and ``bench_verify_results.md`` beside this script.

    flock /tmp/codeio-heavy.lock python experiments/execution/bench_verify.py   # everything (~10 minutes)
    python experiments/execution/bench_verify.py --limit 50 --repeats 1 --methods inprocess,forkserver
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from codeio.execution import Job, make_executor  # noqa: E402
from codeio.execution.config import DEFAULT_PRELUDE  # noqa: E402
from codeio.verify.compare import outputs_match  # noqa: E402

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


def _cpu_seconds() -> float:
    """User + system CPU of this process and of every reaped descendant (workers are reaped on close,
    job children by their workers): a measure of the work done that the machine's load does not skew."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
def inprocess_child(path: str, start: int, timeout: float) -> None:
    """--floor-child mode: call the functions in this process, one JSON line per check on a saved fd."""
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

    for check in checks[start:]:
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


def run_inprocess(checks: list[dict[str, Any]], timeout: float) -> tuple[dict[int, bool], dict[int, float]]:
    path = HERE / ".bench_checks.json"
    path.write_text(json.dumps(checks))
    verdicts: dict[int, bool] = {}
    seconds: dict[int, float] = {}
    order = [c["index"] for c in checks]
    start = 0
    try:
        while start < len(checks):
            proc = subprocess.run([sys.executable, __file__, "--floor-child", str(path), str(start), str(timeout)],
                                  capture_output=True, text=True, cwd=HERE)
            lines = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
            for row in lines:
                verdicts[row["index"]] = row["pass"]
                seconds[row["index"]] = row["seconds"]
            start += len(lines)
            if start < len(checks) and proc.returncode != 0:  # the function at `start` killed the process
                verdicts[order[start]] = False
                seconds[order[start]] = timeout
                start += 1
    finally:
        path.unlink(missing_ok=True)
    return verdicts, seconds


PAPER_TIMEOUTS = [0]
LOAD_AT_START: list[float] = []


def run_paper(checks: list[dict[str, Any]], timeout: float, cores: int) -> dict[int, bool]:
    prelude = "\n".join(DEFAULT_PRELUDE) + "\n"
    # an empty working directory: `python -` puts the cwd first on sys.path, and a crowded /tmp makes
    # every import scan it (seconds per check on a busy shared machine)
    workdir = tempfile.mkdtemp(prefix="bench-paper-")

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

    try:
        with ThreadPoolExecutor(max_workers=cores) as pool:
            return dict(pool.map(one, checks))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_executor(name: str, checks: list[dict[str, Any]], timeout: float, cores: int) -> dict[int, bool]:
    jobs = [Job.single(c["code"], c["input"], entry=c["entry"]) for c in checks]
    with make_executor(name, timeout=timeout, workers=cores) as executor:
        results = executor.run(jobs)
    verdicts = {}
    for check, result in zip(checks, results, strict=True):
        call = result.calls[0]
        verdicts[check["index"]] = call.ok and outputs_match(call.value(), check["output"])
    return verdicts


def run_method(method: str, checks: list[dict[str, Any]], args: argparse.Namespace,
               floor_seconds: dict[int, float]) -> dict[str, Any]:
    """One timed run of one method: wall and CPU seconds, load average around it, verdicts."""
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    if method == "inprocess":
        result, seconds_by_check = run_inprocess(checks, args.timeout)
        floor_seconds.update(seconds_by_check)
    elif method == "paper":
        result = run_paper(checks, args.timeout, args.cores)
    else:
        result = run_executor(method, checks, args.timeout, args.cores)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    return {"seconds": seconds, "cpu": cpu, "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "verdicts": result}


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        inprocess_child(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N functions")
    parser.add_argument("--methods", default=",".join(ALL_METHODS))
    parser.add_argument("--repeats", type=int, default=3, help="rounds; each round runs every method once")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=str(HERE / "bench_verify_results"))
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"data not found: {DATA} (see ../shared/data/README.md)")
    LOAD_AT_START[:] = os.getloadavg()
    checks = load_checks(args.limit)
    methods = [m for m in args.methods.split(",") if m]
    floor_seconds: dict[int, float] = {}
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    skipped: dict[str, str] = {}
    for round_index in range(args.repeats):
        # interleaved: every round runs every method, the order rotating so none always goes first
        order = methods[round_index % len(methods):] + methods[:round_index % len(methods)]
        for method in order:
            if method in skipped:
                continue
            try:
                run = run_method(method, checks, args, floor_seconds)
            except Exception as exc:  # noqa: BLE001 - an executor that cannot start here is reported
                cause = exc.__cause__ or exc
                skipped[method] = f"{type(cause).__name__}: {str(cause).splitlines()[0][:200]}"
                print(f"{method:>11}: skipped ({skipped[method]})", flush=True)
                continue
            runs[method].append(run)
            print(f"round {round_index + 1} {method:>11}: {run['seconds']:8.2f} s  CPU {run['cpu']:7.2f} s  "
                  f"{sum(run['verdicts'].values())} pass  load {run['load']}", flush=True)

    floor = runs["inprocess"][0]["verdicts"] if runs.get("inprocess") else None
    # reproducible: the floor reproduces the recorded output, well within the time limit (a function
    # taking most of the limit in-process passes or times out depending on the machine's load)
    reproducible = ([i for i, ok in floor.items() if ok and floor_seconds[i] < args.timeout / 2]
                    if floor else [])
    rows: dict[str, dict[str, Any]] = {}
    for method, method_runs in runs.items():
        if not method_runs:
            continue
        seconds = [r["seconds"] for r in method_runs]
        cpu = [r["cpu"] for r in method_runs]
        verdicts = method_runs[0]["verdicts"]
        row = {"seconds_median": round(statistics.median(seconds), 3), "seconds_spread": _spread(seconds),
               "seconds_runs": [round(x, 3) for x in seconds], "cpu_seconds_median": round(statistics.median(cpu), 2),
               "cpu_seconds_runs": [round(x, 2) for x in cpu], "load_before_after": [r["load"] for r in method_runs],
               "checks_per_second": round(len(checks) / statistics.median(seconds), 2),
               "passes": sum(verdicts.values()),
               "verdicts_stable_across_rounds": all(r["verdicts"] == verdicts for r in method_runs)}
        if method == "docker":  # the daemon, not this process, reaps the containers' processes
            row["cpu_seconds_median"] = "n/a"
        if floor is not None:
            row["agree_with_floor"] = sum(verdicts[i] == floor[i] for i in floor)
            row["agree_on_reproducible"] = sum(verdicts[i] for i in reproducible)
            row["reproducible_failed"] = sorted(i for i in reproducible if not verdicts[i])
            row["disagreements"] = sorted(i for i in floor if verdicts[i] != floor[i])
        rows[method] = row
    if "inprocess" in rows:
        ideal = rows["inprocess"]["seconds_median"] / args.cores
        for row in rows.values():
            row["x_floor_over_cores"] = round(row["seconds_median"] / ideal, 2)
            if isinstance(row["cpu_seconds_median"], float):
                row["cpu_x_floor"] = round(row["cpu_seconds_median"] / max(rows["inprocess"]["cpu_seconds_median"], 1e-9), 2)
    if "paper" in rows:
        rows["paper"]["timeouts"] = PAPER_TIMEOUTS[0]
        for row in rows.values():
            row["speedup_vs_paper"] = round(rows["paper"]["seconds_median"] / row["seconds_median"], 2)
    for method, why in skipped.items():
        rows[method] = {"skipped": why}

    meta = {"functions": len(checks), "reproducible": len(reproducible), "cores": args.cores,
            "timeout": args.timeout, "repeats": args.repeats, "python": platform.python_version(),
            "interpreter": sys.executable, "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "load_average_at_start": LOAD_AT_START, "load_average_at_end": os.getloadavg(),
            "command": "python experiments/execution/bench_verify.py " + " ".join(sys.argv[1:])}
    header = ("| method | wall s (median) | spread | checks/s | CPU s | CPU x floor | passes | agree w/ floor | "
              "reproducible passed | x (floor / cores) | speed-up vs paper |")
    lines = [header, "|" + "---|" * 11]
    for method, row in rows.items():
        if "skipped" in row:
            lines.append(f"| {method} | skipped: {row['skipped']} |" + " |" * 9)
            continue
        lines.append(f"| {method} | {row['seconds_median']} | {row['seconds_spread']} | {row['checks_per_second']} | "
                     f"{row['cpu_seconds_median']} | {row.get('cpu_x_floor', '')} | {row['passes']} | "
                     f"{row.get('agree_with_floor', '')}/{len(checks)} | "
                     f"{row.get('agree_on_reproducible', '')}/{len(reproducible)} | "
                     f"{row.get('x_floor_over_cores', '')} | {row.get('speedup_vs_paper', '')} |")
    table = "\n".join(lines)
    print()
    print(table)
    Path(args.out + ".json").write_text(json.dumps({"meta": meta, "methods": rows}, indent=2) + "\n")
    Path(args.out + ".md").write_text(
        f"# bench_verify ({meta['date']})\n\n`{meta['command']}`\n\n{len(checks)} functions, "
        f"{len(reproducible)} reproducible in-process (recorded output matched in under half the time "
        f"limit), {args.cores} cores, timeout {args.timeout} s, {args.repeats} interleaved rounds (median and "
        f"min-max spread of wall seconds), Python {meta['python']} at {meta['interpreter']}, load average at "
        f"start {meta['load_average_at_start']} and at end {meta['load_average_at_end']} (per run: "
        f"`load_before_after` in the JSON).\n\n{table}\n")


if __name__ == "__main__":
    main()
