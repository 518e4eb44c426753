"""Tracing overhead of the trace teacher on reasoning-gym functions.

    .venv/bin/python experiments/trace/bench_trace.py [--limit 500] [--repeats 3]

For each function: one generated input, then the entry called plainly and under the ``trace`` harness
in the forkserver executor (``CallResult.seconds`` is measured inside the child around the call, so
process start-up is excluded), ``--repeats`` times each, keeping the fastest. Also times rendering
(parent side, per task). Prints a table and writes ``bench_trace.json`` and ``bench_trace.md`` here.
Target: tracing overhead under 50 ms median per task.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from codeio.execution import Call, Job, make_executor  # noqa: E402
from codeio.teachers.trace.config import TraceTeacherConfig  # noqa: E402
from codeio.teachers.trace.render import RenderOptions, render_output  # noqa: E402
from codeio.teachers.trace.selfcheck import load_reasoning_gym, make_tasks  # noqa: E402
from codeio.teachers.trace.teacher import TraceTeacher  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    functions = load_reasoning_gym(limit=args.limit)
    teacher = TraceTeacher(TraceTeacherConfig(), None)
    with make_executor("forkserver", timeout=10.0) as executor:
        tasks = [t for t in make_tasks(executor, functions) if t["kind"] == "output"]
        plain = {t["task_id"]: float("inf") for t in tasks}
        traced = dict(plain)
        logs: dict[str, tuple[dict, object]] = {}
        truncated = 0
        for _ in range(args.repeats):
            jobs = []
            for t in tasks:
                jobs.append(Job(code=t["refcode"], calls=[Call(kwargs_json=t["input_json"])], timeout=10.0))
                jobs.append(Job(code=t["refcode"], timeout=10.0, calls=[Call(
                    kwargs_json=t["input_json"], harness="trace", harness_options=teacher.harness_options(t["refcode"]))]))
            results = executor.run(jobs)
            for i, t in enumerate(tasks):
                p, q = results[2 * i].calls[0], results[2 * i + 1].calls[0]
                if p.ok and q.ok and q.extra_json:
                    plain[t["task_id"]] = min(plain[t["task_id"]], p.seconds)
                    traced[t["task_id"]] = min(traced[t["task_id"]], q.seconds)
                    logs[t["task_id"]] = (json.loads(q.extra_json), q.value())
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
    figures = {
        "functions": len(functions),
        "tasks_timed": len(ids),
        "truncated_logs": truncated,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "ms": {name: {"median": statistics.median(v), "p90": pct(v, 0.9), "max": max(v)} for name, v in rows.items()},
        "command": f"python experiments/trace/bench_trace.py --limit {args.limit} --repeats {args.repeats}",
    }
    lines = [f"Trace teacher timing on {len(ids)} reasoning-gym functions ({truncated} logs truncated by limits)",
             "", "| per task, ms | median | p90 | max |", "|---|---|---|---|"]
    for name, v in figures["ms"].items():
        lines.append(f"| {name} | {v['median']:.2f} | {v['p90']:.2f} | {v['max']:.1f} |")
    lines += ["", f"Command: `{figures['command']}`", f"Machine: {figures['machine']}"]
    table = "\n".join(lines)
    print(table)
    (HERE / "bench_trace.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    (HERE / "bench_trace.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
