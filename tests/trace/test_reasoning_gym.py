"""The trace teacher on reasoning-gym functions: every answered task verifies, failures have reasons."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from codeio.execution import Call, Job, make_executor
from codeio.teachers.trace import TraceTeacher, TraceTeacherConfig
from codeio.teachers.trace.render import RenderOptions, render_input, render_output
from codeio.teachers.trace.selfcheck import check, load_reasoning_gym, make_tasks
from tests.trace.trace_helpers import numbers_in, trace_numbers

KNOWN_FAILURES = {"value_differs_from_task", "trace_timeout", "trace_exception", "trace_memory",
                  "trace_crashed", "trace_output_too_large", "trace_not_serializable", "trace_log_dropped",
                  "trace_empty"}


def run_check(shared_data, limit):
    path = shared_data / "reasoning_gym" / "codeio.json.gz"
    if not path.exists():
        pytest.skip(f"missing {path}")
    functions = load_reasoning_gym(path, limit=limit)
    with make_executor("forkserver", timeout=5.0) as executor:
        rejected: Counter = Counter()
        tasks = make_tasks(executor, functions, rejected=rejected)
        teacher = TraceTeacher(TraceTeacherConfig(), executor)
        report, generations = check(teacher, executor, tasks)
    return functions, rejected, tasks, report, teacher


def assert_all_verified(functions, rejected, tasks, report, teacher):
    assert 2 * (len(functions) - sum(rejected.values())) == len(tasks)
    answered = sum(sum(v.values()) for v in report.verdicts.values())
    assert answered + sum(report.teacher_failures.values()) == len(tasks)  # nothing dropped silently
    assert report.wrong == [], report.wrong[:5]
    assert set(report.teacher_failures) <= KNOWN_FAILURES, report.teacher_failures
    assert answered >= 0.9 * len(tasks)


def test_reasoning_gym_sample(shared_data):
    assert_all_verified(*run_check(shared_data, 30))


@pytest.mark.slow
def test_reasoning_gym_500(shared_data):
    functions, rejected, tasks, report, teacher = run_check(shared_data, 500)
    assert len(functions) == 500
    assert_all_verified(functions, rejected, tasks, report, teacher)
    print(json.dumps({"rejected_functions": dict(rejected), "verdicts": report.verdicts,
                      "teacher_failures": report.teacher_failures, "truncated": report.truncated}))


def test_numbers_quoted_on_real_functions_come_from_their_traces(shared_data):
    path = shared_data / "reasoning_gym" / "codeio.json.gz"
    if not path.exists():
        pytest.skip(f"missing {path}")
    functions = load_reasoning_gym(path, limit=int(os.environ.get("TRACE_NUMBERS_LIMIT", "40")))
    teacher = TraceTeacher(TraceTeacherConfig(), None)
    with make_executor("forkserver", timeout=5.0) as executor:
        tasks = [t for t in make_tasks(executor, functions) if t["kind"] == "output"]
        jobs = [Job(code=t["refcode"], calls=[Call(kwargs_json=t["input_json"], harness="trace",
                                                   harness_options=teacher.harness_options(t["refcode"]))])
                for t in tasks]
        results = executor.run(jobs)
    checked = 0
    for t, result in zip(tasks, results, strict=True):
        call = result.calls[0]
        if not call.ok or not call.extra_json:
            continue
        log, value = json.loads(call.extra_json), call.value()
        allowed = trace_numbers(log, t["input_json"], call.value_json)
        for seed in (0, 1):
            out = render_output(log, "main_solution", value, RenderOptions(), seed,
                                kwargs=json.loads(t["input_json"]))
            inp = render_input(log, "main_solution", json.loads(t["input_json"]), value, RenderOptions(), seed)
            for text in (out, inp):
                extra = numbers_in(text) - allowed
                assert not extra, (t["task_id"], sorted(extra)[:10])
        checked += 1
    assert checked >= 30
