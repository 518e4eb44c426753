"""Benchmark: what each sandbox measure costs per job, and the executor's end-to-end rate.

Part 1 times the measures themselves, as the worker applies them, in a process that imported the
default prelude (numpy included) and entered its own mount namespace (so nothing touches the host's
mounts): a forked job process that exits at once is the baseline, and each variant adds one measure
inside it (or, for the scratch tmpfs, around it in the worker). Every variant runs ``--iterations``
times per round, rounds interleaved; the median per-job time over rounds is reported, minus the
baseline for the measure's own cost.

Part 2 runs trivial jobs through the forkserver executor (one worker): single-call jobs, and jobs of 10
calls (one process per call), to give the per-job and per-call cost of the whole path.

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


def measure_primitives(iterations: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median ms per job for each variant, and its cost above the baseline."""
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

    def scratch() -> float:
        started = time.perf_counter()
        for _ in range(iterations):
            sandbox.mount_scratch(64, [], UID)
            sandbox.drop_scratch()
        return (time.perf_counter() - started) / iterations

    def in_cgroup() -> float:
        pid = os.fork()
        if pid == 0:  # a child joins the cgroup and times its own forks there
            for procs in group.procs_files:
                Path(procs).write_text(str(os.getpid()))
            os.write(write_end, json.dumps(_fork_wait(_nothing, iterations)).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        return json.loads(os.read(read_end, 100))

    read_end, write_end = os.pipe()
    variants = {
        "baseline: fork + exit of a job process": lambda: _fork_wait(_nothing, iterations),
        "fork per call (one more process)": lambda: _fork_wait(_extra_fork, iterations),
        "IPC namespace per job": lambda: _fork_wait(_ipc, iterations),
        "private uid + rlimits": lambda: _fork_wait(_identity, iterations),
        "seccomp filter": lambda: _fork_wait(_seccomp, iterations),
        "memory+pids cgroup (fork + exit inside)": in_cgroup,
        "scratch tmpfs x3 mounted and detached": scratch,
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for round_index in range(rounds):
            names = list(variants)
            names = names[round_index % len(names):] + names[:round_index % len(names)]
            for name in names:
                samples[name].append(variants[name]() * 1e3)
    finally:
        group.remove()
    baseline = statistics.median(samples["baseline: fork + exit of a job process"])
    out = {}
    for name, values in samples.items():
        median = statistics.median(values)
        own = median if name.startswith("scratch") else median - baseline
        out[name] = {"ms_median": round(median, 3), "ms_spread": [round(min(values), 3), round(max(values), 3)],
                     "ms_over_baseline": round(own, 3)}
    return out


def measure_executor(jobs: int, rounds: int) -> dict[str, dict[str, float]]:
    code = "def main_solution(x):\n    return x * x\n"
    single, multi = [], []
    with make_executor("forkserver", workers=1, timeout=5.0) as executor:
        executor.run([Job.single(code, {"x": 1})])
        for _ in range(rounds):
            started = time.perf_counter()
            executor.run([Job.single(code, {"x": i}) for i in range(jobs)])
            single.append((time.perf_counter() - started) / jobs * 1e3)
            started = time.perf_counter()
            executor.run([Job(code=code, calls=[Call(kwargs_json=json.dumps({"x": k})) for k in range(10)])
                          for _ in range(jobs // 10)])
            multi.append((time.perf_counter() - started) / (jobs // 10) * 1e3)
    return {"single-call job (ms per job)": {"ms_median": round(statistics.median(single), 3),
                                            "ms_spread": [round(min(single), 3), round(max(single), 3)]},
            "10-call job (ms per job)": {"ms_median": round(statistics.median(multi), 3),
                                        "ms_spread": [round(min(multi), 3), round(max(multi), 3)]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--out", default=str(HERE / "bench_overhead_results"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: the measures mount, switch uid and make cgroups")
    load_start = os.getloadavg()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the mount namespace and frozen heap stay in this child
        os.close(read_end)
        os.write(write_end, json.dumps(measure_primitives(args.iterations, args.rounds)).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    primitives = json.loads(data)
    executor = measure_executor(args.jobs, args.rounds)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "python": platform.python_version(),
            "interpreter": sys.executable, "kernel": platform.release(), "iterations": args.iterations,
            "rounds": args.rounds, "load_average_at_start": load_start, "load_average_at_end": os.getloadavg(),
            "command": "python experiments/execution/bench_overhead.py " + " ".join(sys.argv[1:])}
    lines = ["| measure | ms per job (median) | spread | cost over baseline (ms) |", "|---|---|---|---|"]
    for name, row in primitives.items():
        lines.append(f"| {name} | {row['ms_median']} | {row['ms_spread'][0]}-{row['ms_spread'][1]} | "
                     f"{row['ms_over_baseline']} |")
    for name, row in executor.items():
        lines.append(f"| forkserver end to end, {name} | {row['ms_median']} | "
                     f"{row['ms_spread'][0]}-{row['ms_spread'][1]} | |")
    table = "\n".join(lines)
    print(table)
    Path(args.out + ".json").write_text(json.dumps({"meta": meta, "measures": primitives, "executor": executor},
                                                   indent=2) + "\n")
    Path(args.out + ".md").write_text(
        f"# bench_overhead ({meta['date']})\n\n`{meta['command']}`\n\nPython {meta['python']} at "
        f"{meta['interpreter']}, kernel {meta['kernel']}, {args.rounds} interleaved rounds of {args.iterations} "
        f"iterations, load average at start {meta['load_average_at_start']} and at end "
        f"{meta['load_average_at_end']}.\n\n{table}\n")


if __name__ == "__main__":
    main()
