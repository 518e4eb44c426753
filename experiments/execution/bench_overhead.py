"""Benchmark: where the time of one call goes, part by part, and the executor end to end.

Part 1 times each part as the sandbox performs it, in processes that imported the prelude the way a
job template does (the standard-library lines: the lean template; plus numpy: the full one) and entered
their own mount namespace (nothing touches the host's mounts). Every part is a variant run
``--iterations`` times per repetition, the variants taking turns in ``--blocks`` blocks:

- process creation: a fork from the lean template that exits at once, without CPython's at-fork
  handlers (what the template does; the baseline), with them (``os.fork``), from the full template, and
  one more process inside it (a second call of a job);
- the job process's own measures inside such a fork (process group, name, OOM score, uid switch, CPU
  and process limits), and the same with loading a two-line module; the IPC namespace, the seccomp
  filter and the other limits it inherits from the template, so they cost it nothing;
- the worker's memory+pids cgroup (a fork + exit inside it; joining it happens once per worker);
- the template's clean-up after a job (kill(-1) as the job's uid, then reaping) instead of a plain wait;
- per job, around the fork: the template's new IPC namespace for the next job, the scratch tmpfs
  mounted and detached, and the frames one call sends (loaded, reply + end, encoded, piped, decoded).

Part 2 runs trivial jobs through the forkserver (one worker): single-call and 10-call jobs, of a plain
function (lean template) and of one whose module imports numpy (full template).

The method is ``experiments/benchmethod.py``'s: 3 repetitions at least; every ratio taken repetition by
repetition and refused above 10% spread (nothing is written, exit status 3).

    flock /tmp/codeio-heavy.lock python experiments/execution/bench_overhead.py
Writes bench_overhead_results.{json,md} beside this script. Needs root (mounts, uid switch, cgroups).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from codeio.execution import Call, Job, cgroups, make_executor  # noqa: E402 - after the path insert
from codeio.execution.child import calls, sandbox, wire  # noqa: E402
from codeio.execution.config import DEFAULT_PRELUDE  # noqa: E402
from codeio.execution.imports import split_prelude  # noqa: E402
from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    Ratio,
    cpu_seconds,
    machine_state,
    ratio_cell,
    record,
    tree_cpu_seconds,
)

HERE = Path(__file__).resolve().parent
UID = 1_600_000_000 + os.getpid() % (1 << 22)
OPTIONS = {"memory_mb": 2048, "nproc": 128, "nofile": 256, "file_size_mb": 16, "timeout": 5.0}
BASELINE = "fork + exit of a job process (lean template)"
SCRATCH = "scratch tmpfs x3 mounted and detached"
KILL = "the template's kill-and-reap of the job's uid"
FRAMES = "frames of one call (encode, pipe, decode)"
IPC = "a new IPC namespace (the template, between jobs)"
NO_FORK = (IPC, SCRATCH, FRAMES)
"""Parts timed around the job, not inside a forked job process: their cost is their whole time."""


def _fork_wait(child, iterations: int, fork=sandbox.fork_without_handlers) -> float:
    """Seconds per (fork, ``child()`` in the child, exit, wait)."""
    started = time.perf_counter()
    for _ in range(iterations):
        pid = fork()
        if pid == 0:
            try:
                child()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - started) / iterations


def _import(lines: list[str]) -> dict:
    namespace: dict = {}
    for line in lines:
        try:
            exec(line, namespace)
        except ImportError:
            pass
    import gc

    gc.collect()
    gc.freeze()
    return namespace


class FullTemplate:
    """A helper process holding the whole prelude (numpy too), forking on request: the full template."""

    def __init__(self, lines: list[str]):
        self.requests, theirs_in = os.pipe()
        theirs_out, self.answers = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.requests)
            os.close(self.answers)
            _import(lines)
            while True:
                data = os.read(theirs_out, 64)
                if not data:
                    os._exit(0)
                count = int(data)
                seconds = _fork_wait(_nothing, count) if count else 0.0
                os.write(theirs_in, json.dumps([seconds, cpu_seconds()]).encode())
        os.close(theirs_in)
        os.close(theirs_out)

    def run(self, count: int) -> tuple[float, float]:
        """(seconds per fork, CPU seconds the helper and its waited children used)."""
        os.write(self.answers, str(count).encode())
        seconds, cpu = json.loads(os.read(self.requests, 256))
        return seconds, cpu

    def close(self) -> None:
        os.close(self.answers)
        os.waitpid(self.pid, 0)


def _nothing() -> None:
    pass


def measure_parts(iterations: int, blocks: int, rounds: int, max_spread: float) -> dict[str, dict]:
    """Median ms per job of each part over the repetitions, its cost above the baseline and its ratio."""
    split = split_prelude(DEFAULT_PRELUDE)
    full = FullTemplate(list(split.light) + list(split.heavy))
    namespace = _import(list(split.light))
    calls.seed_all(0)
    sandbox.unshare(sandbox.CLONE_NEWNS)
    sandbox.mount(None, "/", None, sandbox.MS_REC | sandbox.MS_PRIVATE)
    group = cgroups.create(4 << 30, 4096)
    spare = UID + 1
    hard = sandbox.hard_limits()
    code = "def main_solution(x):\n    return x * x\n"
    read_end, write_end = os.pipe()

    def own_measures() -> None:  # what template.Template._job_process does before loading
        os.setpgid(0, 0)
        sandbox.write_own_file("oom_score_adj", b"1000")
        sandbox.switch_user(UID, prepared=True)
        sandbox.apply_limits(sandbox.job_limits(OPTIONS, 1, hard))

    def own_measures_and_load() -> None:
        own_measures()
        calls.load_module(code, namespace)

    def new_ipc(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            sandbox.unshare(sandbox.CLONE_NEWIPC)
        return (time.perf_counter() - started) / count

    def extra_fork() -> None:  # one more process per call, as for a job's second call
        pid = sandbox.fork_without_handlers()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    def scratch(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            sandbox.mount_scratch(64, [], UID)
            sandbox.drop_scratch()
        return (time.perf_counter() - started) / count

    def kill_and_reap(count: int) -> float:
        """A job process that exits, then the template's clean-up: wait without reaping, kill(-1) as the
        job's uid from the spare real uid, reap (against the baseline's plain wait)."""
        started = time.perf_counter()
        for _ in range(count):
            pid = sandbox.fork_without_handlers()
            if pid == 0:
                os.setresuid(UID, UID, UID)
                os._exit(0)
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            os.setresuid(spare, UID, 0)
            try:
                os.kill(-1, 9)
            except OSError:
                pass
            os.setresuid(0, 0, 0)
            os.waitpid(pid, 0)  # (the template reaps every child; here the full template's helper is one)
        return (time.perf_counter() - started) / count

    def frames(count: int) -> float:
        started = time.perf_counter()
        reader = wire.FrameReader(read_end)
        for i in range(count):
            wire.write_frame(write_end, {"t": "loaded"})
            wire.write_frames(write_end, [{"t": "reply", "i": 0, "status": "ok", "value": str(i * i), "seconds": 1e-6},
                                          {"t": "end", "i": 0, "exit": "returned"}])
            for _ in range(3):
                reader.read(time.monotonic() + 5, 1 << 20)
        return (time.perf_counter() - started) / count

    def in_cgroup(count: int) -> float:
        pid = os.fork()
        if pid == 0:  # a child joins the cgroup and times its own forks there
            for procs in group.procs_files:
                Path(procs).write_text(str(os.getpid()))
            os.write(cgroup_write, json.dumps(_fork_wait(_nothing, count)).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        return json.loads(os.read(cgroup_read, 100))

    cgroup_read, cgroup_write = os.pipe()
    variants = {
        BASELINE: lambda n: _fork_wait(_nothing, n),
        "with CPython's at-fork handlers (os.fork)": lambda n: _fork_wait(_nothing, n, os.fork),
        "from the full template (numpy loaded)": None,  # timed in the helper
        "one more process per call": lambda n: _fork_wait(extra_fork, n),
        "the job process's own measures (uid, CPU and process limits...)": lambda n: _fork_wait(own_measures, n),
        "the same + loading the code": lambda n: _fork_wait(own_measures_and_load, n),
        KILL: kill_and_reap,
        IPC: new_ipc,
        "memory+pids cgroup (fork + exit inside)": in_cgroup,
        SCRATCH: scratch,
        FRAMES: frames,
    }
    per_block = max(1, iterations // blocks)
    per_job_ms: dict[str, list[float]] = {name: [] for name in variants}
    cpu_ms: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(rounds):
            seconds = dict.fromkeys(variants, 0.0)
            cpu = dict.fromkeys(variants, 0.0)
            for block in range(blocks):
                for name in _rotated(list(variants), block):
                    if variants[name] is None:
                        before = full.run(0)[1]
                        each, after = full.run(per_block)
                        seconds[name] += each * per_block
                        cpu[name] += after - before
                        continue
                    cpu_before = cpu_seconds()  # this process and the job processes it waited for
                    seconds[name] += variants[name](per_block) * per_block
                    cpu[name] += cpu_seconds() - cpu_before
            for name in variants:
                per_job_ms[name].append(seconds[name] / (per_block * blocks) * 1e3)
                cpu_ms[name].append(cpu[name] / (per_block * blocks) * 1e3)
    finally:
        group.remove()
        full.close()
    out = _summary(per_job_ms, cpu_ms, BASELINE, max_spread, unrelated=NO_FORK)
    for name in NO_FORK:
        out[name]["ms_over_baseline"] = out[name]["ms_median"]
    return out


def _rotated(names: list[str], shift: int) -> list[str]:
    shift %= len(names)
    return names[shift:] + names[:shift]


def _summary(per_job_ms: dict[str, list[float]], cpu_ms: dict[str, list[float]], baseline_name: str,
             max_spread: float, unrelated: tuple[str, ...] = ()) -> dict[str, dict]:
    """Median ms per job of each variant over the repetitions, and its ratio to the baseline, taken
    repetition by repetition (none for the ``unrelated`` variants, which do not contain the baseline)."""
    baseline = statistics.median(per_job_ms[baseline_name])
    out = {}
    for name, values in per_job_ms.items():
        median = statistics.median(values)
        out[name] = {"ms_median": round(median, 3), "ms_spread": [round(min(values), 3), round(max(values), 3)],
                     "ms_runs": [round(v, 3) for v in values], "ms_over_baseline": round(median - baseline, 3),
                     "cpu_ms_median": round(statistics.median(cpu_ms[name]), 3)}
        if name != baseline_name and name not in unrelated:
            out[name]["ratio_to_baseline"] = Ratio(name, baseline_name, [
                v / b for v, b in zip(values, per_job_ms[baseline_name], strict=True)], max_spread).to_dict()
    return out


def measure_executor(jobs: int, blocks: int, rounds: int, max_spread: float) -> dict[str, dict]:
    """Trivial jobs end to end through the forkserver (1 worker), the shapes taking turns block by block."""
    plain = "def main_solution(x):\n    return x * x\n"
    with_numpy = "import numpy as np\n\n" + plain
    singles, multis = max(1, jobs // blocks), max(1, jobs // 10 // blocks)
    runs = {}
    for label, code in (("plain", plain), ("numpy module", with_numpy)):
        runs[f"single-call job, {label} (ms per job)"] = (
            singles, lambda code=code: [Job.single(code, {"x": i}) for i in range(singles)])
        runs[f"10-call job, {label} (ms per job)"] = (
            multis, lambda code=code: [Job(code=code, calls=[Call(kwargs_json=json.dumps({"x": k})) for k in range(10)])
                                       for _ in range(multis)])
    per_job_ms: dict[str, list[float]] = {name: [] for name in runs}
    cpu_ms: dict[str, list[float]] = {name: [] for name in runs}
    with make_executor("forkserver", workers=1, timeout=5.0) as executor:
        executor.run([Job.single(plain, {"x": 1}), Job.single(with_numpy, {"x": 1})])
        for _ in range(rounds):
            seconds = dict.fromkeys(runs, 0.0)
            cpu = dict.fromkeys(runs, 0.0)
            for block in range(blocks):
                for name in _rotated(list(runs), block):
                    batch = runs[name][1]()
                    cpu_before, started = tree_cpu_seconds(), time.perf_counter()
                    results = executor.run(batch)
                    seconds[name] += time.perf_counter() - started
                    cpu[name] += tree_cpu_seconds() - cpu_before
                    assert all(c.status == "ok" for r in results for c in r.calls), results[0]
            for name, (count, _) in runs.items():
                per_job_ms[name].append(seconds[name] / (count * blocks) * 1e3)
                cpu_ms[name].append(cpu[name] / (count * blocks) * 1e3)
    return _summary(per_job_ms, cpu_ms, "single-call job, plain (ms per job)", max_spread)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000, help="job processes per variant per repetition")
    parser.add_argument("--blocks", type=int, default=50,
                        help="a repetition's iterations are run in this many blocks, the variants taking turns")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions")
    parser.add_argument("--jobs", type=int, default=600, help="single-call jobs per shape and repetition (a tenth "
                        "as many 10-call jobs)")
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD,
                        help="refuse to record a ratio whose rounds differ by more than this fraction")
    parser.add_argument("--out", default=str(HERE / "bench_overhead_results"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: the measures mount, switch uid and make cgroups")
    if args.rounds < MIN_REPETITIONS:
        parser.error(f"--rounds must be at least {MIN_REPETITIONS} (a median and a spread need them)")
    before = machine_state()
    load_start = os.getloadavg()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the mount and pid namespaces, uid dance and frozen heap stay below this child
        os.close(read_end)
        sandbox.unshare(sandbox.CLONE_NEWPID)  # kill(-1) as the job's uid reaches nothing outside
        inner = os.fork()
        if inner == 0:
            os.write(write_end, json.dumps(measure_parts(args.iterations, args.blocks, args.rounds,
                                                         args.max_spread)).encode())
            os._exit(0)
        os.close(write_end)
        os._exit(os.waitpid(inner, 0)[1] and 1)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    parts = json.loads(data)
    executor = measure_executor(args.jobs, max(1, args.blocks // 5), args.rounds, args.max_spread)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "python": platform.python_version(),
            "interpreter": sys.executable, "kernel": platform.release(), "iterations": args.iterations,
            "blocks": args.blocks, "rounds": args.rounds, "load_average_at_start": load_start,
            "load_average_at_end": os.getloadavg(), "before": before, "after": machine_state(),
            "command": "python experiments/execution/bench_overhead.py " + " ".join(sys.argv[1:])}
    lines = ["| part | ms per job (median) | range | CPU ms per job | cost over baseline (ms) | x baseline |",
             "|---|---|---|---|---|---|"]
    for name, row in parts.items():
        ratio = (ratio_cell(row["ratio_to_baseline"]) if "ratio_to_baseline" in row
                 else "1" if name == BASELINE else "(no fork: not comparable)")
        lines.append(f"| {name} | {row['ms_median']} | {row['ms_spread'][0]}-{row['ms_spread'][1]} | "
                     f"{row['cpu_ms_median']} | {row['ms_over_baseline']} | {ratio} |")
    for name, row in executor.items():
        ratio = ratio_cell(row["ratio_to_baseline"]) if "ratio_to_baseline" in row else "1"
        lines.append(f"| forkserver end to end, {name} | {row['ms_median']} | "
                     f"{row['ms_spread'][0]}-{row['ms_spread'][1]} | {row['cpu_ms_median']} | | "
                     f"{ratio} (vs single-call plain) |")
    table = "\n".join(lines)
    print(table)
    ratios = {f"{name}: x baseline": row["ratio_to_baseline"] for name, row in parts.items()
              if "ratio_to_baseline" in row}
    ratios.update({f"{name} / single-call plain": row["ratio_to_baseline"] for name, row in executor.items()
                   if "ratio_to_baseline" in row})
    markdown = (
        f"# bench_overhead ({meta['date']})\n\n`{meta['command']}`\n\nPython {meta['python']} at "
        f"{meta['interpreter']}, kernel {meta['kernel']}, {args.rounds} repetitions of {args.iterations} "
        f"job processes per part, the parts taking turns in {args.blocks} blocks, load average at start "
        f"{meta['load_average_at_start']} and at end {meta['load_average_at_end']}; a busy loop got "
        f"{before['busy_loop_core_share']} of a core before and {meta['after']['busy_loop_core_share']} after. "
        f"Ratios are medians of the per-round ratios, spread = (max - min) / median.\n\n{table}\n")
    record({"meta": meta, "parts": parts, "executor": executor, "ratios": ratios},
           Path(args.out + ".json"), markdown)  # refuses (exit 3) when a ratio's rounds disagree


if __name__ == "__main__":
    main()
