"""Tracing overhead of the trace teacher on reasoning-gym functions.

    .venv/bin/python experiments/trace/bench_trace.py [--limit 500] [--repeats 3]

For each function: one generated input, then the entry called plainly and under the ``trace`` harness
in the forkserver executor (``CallResult.seconds`` is measured inside the child around the call, so
process start-up is excluded). A plain pass over all tasks and a traced pass run ``--repeats`` times
each, taking turns block by block (``--blocks`` blocks per pass; ``experiments/benchmethod.py``: wall and
CPU seconds of every pass, load before/after, the traced / plain ratio refused when its repetitions
disagree by more than 10%); per task the fastest of the repetitions is kept. Also times rendering (parent side, per
task). Prints a table and writes ``bench_trace.json`` and ``bench_trace.md`` here.
Target: tracing overhead under 50 ms median per task.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from codeio.execution import Call, Job, make_executor  # noqa: E402
from codeio.teachers.trace.config import TraceTeacherConfig  # noqa: E402
from codeio.teachers.trace.render import RenderOptions, render_output  # noqa: E402
from codeio.teachers.trace.selfcheck import load_reasoning_gym, make_tasks  # noqa: E402
from codeio.teachers.trace.teacher import TraceTeacher  # noqa: E402
from experiments.benchmethod import (  # noqa: E402
    MAX_SPREAD,
    MIN_REPETITIONS,
    interleave,
    median_cell,
    ratio_cell,
    record,
    state_line,
    summary,
)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=MIN_REPETITIONS, help="repetitions of each pass (>= 3)")
    parser.add_argument("--blocks", type=int, default=10,
                        help="each pass runs its tasks in this many blocks, the two passes taking turns")
    parser.add_argument("--max-spread", type=float, default=MAX_SPREAD)
    parser.add_argument("--out", type=Path, default=HERE / "bench_trace.json")
    args = parser.parse_args()
    functions = load_reasoning_gym(limit=args.limit)
    teacher = TraceTeacher(TraceTeacherConfig(), None)
    with make_executor("forkserver", timeout=10.0) as executor:
        tasks = [t for t in make_tasks(executor, functions) if t["kind"] == "output"]
        plain_jobs = [Job(code=t["refcode"], calls=[Call(kwargs_json=t["input_json"])], timeout=10.0) for t in tasks]
        traced_jobs = [Job(code=t["refcode"], timeout=10.0, calls=[Call(
            kwargs_json=t["input_json"], harness="trace", harness_options=teacher.harness_options(t["refcode"]))])
            for t in tasks]
        calls: dict[str, list[list]] = {"plain": [], "traced": []}

        def run_pass(name: str, jobs: list[Job]):
            def steps() -> Iterator[int | None]:  # benchmethod's stepwise form: the passes take turns block by block
                yield None
                found, size = [], -(-len(jobs) // args.blocks)
                for start in range(0, len(jobs), size):
                    results = executor.run(jobs[start:start + size])  # timed: parent + forkserver + children
                    found.extend(r.calls[0] for r in results)
                    yield len(results)
                calls[name].append(found)
            return steps

        comparison = interleave({"plain": run_pass("plain", plain_jobs), "traced": run_pass("traced", traced_jobs)},
                                repetitions=args.repeats, max_spread=args.max_spread)
    comparison.ratio("plain", "traced", name="traced pass wall / plain pass wall")
    plain = {t["task_id"]: float("inf") for t in tasks}
    traced = dict(plain)
    logs: dict[str, tuple[dict, object]] = {}
    per_repetition_overhead = []
    for p_calls, q_calls in zip(calls["plain"], calls["traced"], strict=True):
        overheads = []
        for t, p, q in zip(tasks, p_calls, q_calls, strict=True):
            if p.ok and q.ok and q.extra_json:
                plain[t["task_id"]] = min(plain[t["task_id"]], p.seconds)
                traced[t["task_id"]] = min(traced[t["task_id"]], q.seconds)
                logs[t["task_id"]] = (json.loads(q.extra_json), q.value())
                overheads.append(1000 * (q.seconds - p.seconds))
        per_repetition_overhead.append(statistics.median(overheads))
    ids = [i for i in logs if plain[i] < float("inf")]
    truncated = sum(1 for i in ids if logs[i][0].get("truncated"))
    overhead_ms = [1000 * (traced[i] - plain[i]) for i in ids]
    traced_ms = [1000 * traced[i] for i in ids]
    plain_ms = [1000 * plain[i] for i in ids]
    render_ms = []
    for i in ids:
        log, value = logs[i]
        start = time.perf_counter()
        render_output(log, "main_solution", value, RenderOptions(), 0)
        render_ms.append(1000 * (time.perf_counter() - start))
    rows = {
        "plain call": plain_ms,
        "traced call": traced_ms,
        "tracing overhead": overhead_ms,
        "rendering (parent)": render_ms,
    }
    method = comparison.to_dict()
    figures = {
        "functions": len(functions),
        "tasks_timed": len(ids),
        "truncated_logs": truncated,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "ms": {name: {"median": statistics.median(v), "p90": pct(v, 0.9), "max": max(v)} for name, v in rows.items()},
        "median_overhead_ms_per_repetition": summary(per_repetition_overhead, 2),
        "command": f"python experiments/trace/bench_trace.py --limit {args.limit} --repeats {args.repeats} "
                   f"--blocks {args.blocks}",
        **method,
    }
    passes = method["methods"]
    lines = [f"Trace teacher timing on {len(ids)} reasoning-gym functions ({truncated} logs truncated by limits); "
             f"per task the best of {args.repeats} interleaved passes (time measured inside the sandbox child)",
             "", "| per task, ms | median | p90 | max |", "|---|---|---|---|"]
    for name, v in figures["ms"].items():
        lines.append(f"| {name} | {v['median']:.2f} | {v['p90']:.2f} | {v['max']:.1f} |")
    spread_row = figures["median_overhead_ms_per_repetition"]
    lines += ["", f"Median tracing overhead of each pass: {' / '.join(f'{v:.2f}' for v in spread_row['values'])} ms "
              f"(spread {100 * spread_row['spread']:.0f}%).",
              f"Whole passes over {len(tasks)} tasks (executor start of each child included): plain "
              f"{median_cell(passes['plain']['wall_s'], 2)} s wall, {passes['plain']['cpu_s']['median']:.1f} CPU s; "
              f"traced {median_cell(passes['traced']['wall_s'], 2)} s wall, {passes['traced']['cpu_s']['median']:.1f} "
              f"CPU s; traced / plain wall {ratio_cell(method['ratios']['traced pass wall / plain pass wall'])}.",
              "", f"Command: `{figures['command']}`", f"Machine: {figures['machine']}; {state_line(method['method'])}."]
    table = "\n".join(lines)
    print(table)
    record(figures, args.out, table)


if __name__ == "__main__":
    main()
