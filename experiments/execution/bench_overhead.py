"""Benchmark: what each sandbox measure costs per job, and the executor's end-to-end rate.

Part 1 times the measures themselves, as the worker applies them, in a process that imported the
default prelude (numpy included) and entered its own mount namespace (so nothing touches the host's
mounts): a forked job process that exits at once is the baseline, and each variant adds one measure
inside it (or, for the scratch tmpfs, around it in the worker). A repetition runs ``--iterations`` job
processes of every variant in ``--blocks`` blocks, the variants taking turns block by block, so that a
burst of load hits them alike; the median per-job time over the repetitions is reported, minus the
baseline for the measure's own cost, with the CPU milliseconds per job beside it.

Part 2 runs trivial jobs through the forkserver executor (one worker): single-call jobs, and jobs of 10
calls (one process per call), taking turns the same way, to give the per-job and per-call cost of the
whole path.

The benchmark method is ``experiments/benchmethod.py``'s: at least 3 repetitions, and every ratio
taken repetition by repetition (each measure over the baseline of the same repetition; the 10-call job over the single-call
job); one whose repetitions disagree by more than 10% is refused and nothing is written (exit status 3).

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
from codeio.execution.child import sandbox, seccomp  # noqa: E402
from codeio.execution.config import DEFAULT_PRELUDE  # noqa: E402
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


def _fork_wait(child, iterations: int) -> float:
    """Seconds per (fork, ``child()`` in the child, exit, wait)."""
    started = time.perf_counter()
    for _ in range(iterations):
        pid = os.fork()
        if pid == 0:
            try:
                child()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - started) / iterations


def _nothing() -> None:
    pass


def _extra_fork() -> None:  # one more process per call, as for a job's second call
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _ipc() -> None:
    sandbox.unshare(sandbox.CLONE_NEWIPC)


def _identity() -> None:
    sandbox.switch_user(UID)
    sandbox.set_limits({"memory_mb": 2048, "nproc": 128, "nofile": 256, "file_size_mb": 16}, 1,
                       sandbox.current_vm_bytes())


def _seccomp() -> None:
    seccomp.install()


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


def measure_primitives(iterations: int, blocks: int, rounds: int, max_spread: float) -> dict[str, dict]:
    """Median ms per job for each variant, its cost above the baseline and its ratio to it.

    A repetition runs ``iterations`` of every variant in ``blocks`` blocks, the variants taking turns
    block by block (A, B, C, A, B, C, ...): a burst of load on the machine then lands on every variant
    alike rather than on one variant's whole run."""
    prelude: dict = {}
    for line in DEFAULT_PRELUDE:
        try:
            exec(line, prelude)
        except ImportError:
            pass
    import gc

    gc.collect()
    gc.freeze()
    sandbox.unshare(sandbox.CLONE_NEWNS)
    sandbox.mount(None, "/", None, sandbox.MS_REC | sandbox.MS_PRIVATE)
    group = cgroups.create(4 << 30, 4096)

    def scratch(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            sandbox.mount_scratch(64, [], UID)
            sandbox.drop_scratch()
        return (time.perf_counter() - started) / count

    def in_cgroup(count: int) -> float:
        pid = os.fork()
        if pid == 0:  # a child joins the cgroup and times its own forks there
            for procs in group.procs_files:
                Path(procs).write_text(str(os.getpid()))
            os.write(write_end, json.dumps(_fork_wait(_nothing, count)).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        return json.loads(os.read(read_end, 100))

    read_end, write_end = os.pipe()
    baseline_name = "baseline: fork + exit of a job process"
    variants = {
        baseline_name: lambda n: _fork_wait(_nothing, n),
        "fork per call (one more process)": lambda n: _fork_wait(_extra_fork, n),
        "IPC namespace per job": lambda n: _fork_wait(_ipc, n),
        "private uid + rlimits": lambda n: _fork_wait(_identity, n),
        "seccomp filter": lambda n: _fork_wait(_seccomp, n),
        "memory+pids cgroup (fork + exit inside)": in_cgroup,
        "scratch tmpfs x3 mounted and detached": scratch,
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
                    cpu_before = cpu_seconds()  # this process and the job processes it waited for
                    seconds[name] += variants[name](per_block) * per_block
                    cpu[name] += cpu_seconds() - cpu_before
            for name in variants:
                per_job_ms[name].append(seconds[name] / (per_block * blocks) * 1e3)
                cpu_ms[name].append(cpu[name] / (per_block * blocks) * 1e3)
    finally:
        group.remove()
    # the scratch tmpfs is timed around the job, not inside a forked one: its own cost is its whole time,
    # and a ratio to the fork baseline would compare unrelated operations
    scratch_name = "scratch tmpfs x3 mounted and detached"
    out = _summary(per_job_ms, cpu_ms, baseline_name, max_spread, unrelated=(scratch_name,))
    out[scratch_name]["ms_over_baseline"] = out[scratch_name]["ms_median"]
    return out


def measure_executor(jobs: int, blocks: int, rounds: int, max_spread: float) -> dict[str, dict]:
    """Trivial jobs end to end through the forkserver (1 worker): single-call jobs and 10-call jobs,
    taking turns block by block within each repetition."""
    code = "def main_solution(x):\n    return x * x\n"
    single_name, multi_name = "single-call job (ms per job)", "10-call job (ms per job)"
    singles, multis = max(1, jobs // blocks), max(1, jobs // 10 // blocks)
    runs = {
        single_name: lambda: [Job.single(code, {"x": i}) for i in range(singles)],
        multi_name: lambda: [Job(code=code, calls=[Call(kwargs_json=json.dumps({"x": k})) for k in range(10)])
                             for _ in range(multis)],
    }
    per_job_ms: dict[str, list[float]] = {name: [] for name in runs}
    cpu_ms: dict[str, list[float]] = {name: [] for name in runs}
    with make_executor("forkserver", workers=1, timeout=5.0) as executor:
        executor.run([Job.single(code, {"x": 1})])
        for _ in range(rounds):
            seconds = dict.fromkeys(runs, 0.0)
            cpu = dict.fromkeys(runs, 0.0)
            for block in range(blocks):
                for name in _rotated(list(runs), block):
                    batch = runs[name]()
                    cpu_before, started = tree_cpu_seconds(), time.perf_counter()
                    executor.run(batch)
                    seconds[name] += time.perf_counter() - started
                    cpu[name] += tree_cpu_seconds() - cpu_before
            per_job_ms[single_name].append(seconds[single_name] / (singles * blocks) * 1e3)
            per_job_ms[multi_name].append(seconds[multi_name] / (multis * blocks) * 1e3)
            cpu_ms[single_name].append(cpu[single_name] / (singles * blocks) * 1e3)
            cpu_ms[multi_name].append(cpu[multi_name] / (multis * blocks) * 1e3)
    return _summary(per_job_ms, cpu_ms, single_name, max_spread)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000, help="job processes per variant per repetition")
    parser.add_argument("--blocks", type=int, default=50,
                        help="a repetition's iterations are run in this many blocks, the variants taking turns")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions")
    parser.add_argument("--jobs", type=int, default=600, help="single-call jobs per repetition (a tenth as many "
                        "10-call jobs)")
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
    if pid == 0:  # the mount namespace and frozen heap stay in this child
        os.close(read_end)
        os.write(write_end, json.dumps(measure_primitives(args.iterations, args.blocks, args.rounds, args.max_spread)).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    primitives = json.loads(data)
    executor = measure_executor(args.jobs, max(1, args.blocks // 5), args.rounds, args.max_spread)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "python": platform.python_version(),
            "interpreter": sys.executable, "kernel": platform.release(), "iterations": args.iterations,
            "blocks": args.blocks, "rounds": args.rounds, "load_average_at_start": load_start, "load_average_at_end": os.getloadavg(),
            "before": before, "after": machine_state(),
            "command": "python experiments/execution/bench_overhead.py " + " ".join(sys.argv[1:])}
    lines = ["| measure | ms per job (median) | spread | CPU ms per job | cost over baseline (ms) | x baseline |",
             "|---|---|---|---|---|---|"]
    for name, row in primitives.items():
        ratio = (ratio_cell(row["ratio_to_baseline"]) if "ratio_to_baseline" in row
                 else "1" if name.startswith("baseline") else "(no fork: not comparable)")
        lines.append(f"| {name} | {row['ms_median']} | {row['ms_spread'][0]}-{row['ms_spread'][1]} | "
                     f"{row['cpu_ms_median']} | {row['ms_over_baseline']} | {ratio} |")
    for name, row in executor.items():
        ratio = ratio_cell(row["ratio_to_baseline"]) if "ratio_to_baseline" in row else "1"
        lines.append(f"| forkserver end to end, {name} | {row['ms_median']} | "
                     f"{row['ms_spread'][0]}-{row['ms_spread'][1]} | {row['cpu_ms_median']} | | "
                     f"{ratio} (vs single-call job) |")
    table = "\n".join(lines)
    print(table)
    ratios = {f"{name}: x baseline": row["ratio_to_baseline"] for name, row in primitives.items()
              if "ratio_to_baseline" in row}
    ratios["10-call job / single-call job"] = executor["10-call job (ms per job)"]["ratio_to_baseline"]
    markdown = (
        f"# bench_overhead ({meta['date']})\n\n`{meta['command']}`\n\nPython {meta['python']} at "
        f"{meta['interpreter']}, kernel {meta['kernel']}, {args.rounds} repetitions of {args.iterations} "
        f"job processes per measure, the measures taking turns in {args.blocks} blocks, load average at start {meta['load_average_at_start']} and at end "
        f"{meta['load_average_at_end']}; a busy loop got {before['busy_loop_core_share']} of a core before and "
        f"{meta['after']['busy_loop_core_share']} after. Ratios are medians of the per-round ratios, spread = "
        f"(max - min) / median.\n\n{table}\n")
    record({"meta": meta, "measures": primitives, "executor": executor, "ratios": ratios},
           Path(args.out + ".json"), markdown)  # refuses (exit 3) when a ratio's rounds disagree


if __name__ == "__main__":
    main()
