"""TraceTeacher through the real executor: answers verify, failures are counted by reason."""

from __future__ import annotations

import json

import pytest

from codeio.execution import make_executor
from codeio.teachers.base import ChatRequest, SamplingParams
from codeio.teachers.trace import TraceTeacher, TraceTeacherConfig
from codeio.teachers.trace.selfcheck import check, load_bundled, make_tasks
from codeio.verify.extract import extract_answer

SQUARES = "def main_solution(n):\n    out = []\n    for i in range(n):\n        out.append(i * i)\n    return out\n"


@pytest.fixture(scope="module")
def executor():
    with make_executor("forkserver", timeout=5.0, workers=2) as ex:
        yield ex


def task(kind="output", refcode=SQUARES, kwargs=None, output=None, task_id="t1"):
    kwargs = {"n": 4} if kwargs is None else kwargs
    return {"task_id": task_id, "kind": kind, "refcode": refcode, "funcname": "main_solution",
            "input_json": json.dumps(kwargs), "output_json": json.dumps([0, 1, 4, 9] if output is None else output),
            "prompt": "predict", "prompt_format": "query_code"}


def ask(teacher, *tasks, messages=None, params=None):
    requests = [ChatRequest(messages=messages or [{"role": "user", "content": "predict"}], task=t) for t in tasks]
    return teacher.generate(requests, params or SamplingParams())


def test_bundled_corpus_every_traced_answer_verifies(executor):
    functions = load_bundled()
    assert len(functions) >= 20
    tasks = make_tasks(executor, functions)
    teacher = TraceTeacher(TraceTeacherConfig(), executor)
    report, _ = check(teacher, executor, tasks)
    answered = sum(sum(v.values()) for v in report.verdicts.values())
    failed = sum(report.teacher_failures.values())
    assert answered + failed == len(tasks)
    assert report.wrong == [], report.wrong[:3]
    assert report.verdicts["output"].get("success", 0) >= 0.9 * len(functions)
    assert report.verdicts["input"].get("success", 0) >= 0.9 * len(functions)
    assert teacher.stats.failures == report.teacher_failures


def test_output_and_input_answers(executor):
    teacher = TraceTeacher(TraceTeacherConfig(), executor)
    out, inp = ask(teacher, task("output"), task("input", task_id="t2"))
    assert out[0].ok and extract_answer(out[0].text, "output").value == [0, 1, 4, 9]
    assert inp[0].ok and extract_answer(inp[0].text, "input").value == {"n": 4}
    assert "`out.append(i * i)`" in out[0].text
    assert teacher.outcomes["rendered"] == 2 and teacher.stats.requests == 1  # one trace serves both


def test_failures_are_counted_by_reason(executor):
    teacher = TraceTeacher(TraceTeacherConfig(timeout=0.5), executor)
    boom = "def main_solution(n):\n    return 1 // (n - n)\n"
    spin = "def main_solution(n):\n    while True:\n        n += 1\n"
    gens = ask(teacher,
               task(refcode=boom, task_id="a"),
               task(refcode=spin, task_id="b"),
               task(output=[1, 2, 3], task_id="c"),  # the recorded output is not what the code returns
               {"kind": "sideways", "refcode": SQUARES},
               None)
    assert all(g[0].finish_reason == "error" and g[0].text is None for g in gens)
    assert teacher.stats.failures == {"trace_exception": 1, "trace_timeout": 1, "value_differs_from_task": 1,
                                      "bad_task": 1, "no_task": 1}
    assert "ZeroDivisionError" in gens[0][0].error


def test_truncated_trace_renders_or_errors_as_configured(executor):
    long_loop = "def main_solution(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
    t = task(refcode=long_loop, kwargs={"n": 5000}, output=sum(range(5000)))
    render = TraceTeacher(TraceTeacherConfig(max_events=100), executor)
    gens = ask(render, t)
    assert gens[0][0].ok and extract_answer(gens[0][0].text, "output").value == sum(range(5000))
    assert render.outcomes["rendered_truncated"] == 1
    strict = TraceTeacher(TraceTeacherConfig(max_events=100, on_truncated="error"), executor)
    assert ask(strict, t)[0][0].finish_reason == "error" and strict.stats.failures == {"trace_too_large": 1}


def test_revision_turn_and_several_samples(executor):
    teacher = TraceTeacher(TraceTeacherConfig(), executor)
    messages = [{"role": "user", "content": "predict"}, {"role": "assistant", "content": "```json\n{}\n```"},
                {"role": "user", "content": "Your answer could not be read. Please try again."}]
    gens = ask(teacher, task(), messages=messages, params=SamplingParams(n=3, seed=5))[0]
    assert len(gens) == 3 and all(g.ok for g in gens)
    assert all(extract_answer(g.text, "output").value == [0, 1, 4, 9] for g in gens)
    assert all(g.text.lower().startswith(("let me redo", "i'll go through the whole")) for g in gens)
    assert len({g.text for g in gens}) > 1


def test_max_tokens_bounds_the_rationale(executor):
    teacher = TraceTeacher(TraceTeacherConfig(), executor)
    long_loop = "def main_solution(n):\n    s = 0\n    for i in range(n):\n        if i % 3:\n            s += i\n    return s\n"
    t = task(refcode=long_loop, kwargs={"n": 300}, output=sum(i for i in range(300) if i % 3))
    short = ask(teacher, t, params=SamplingParams(max_tokens=150))[0][0]
    full = ask(teacher, t)[0][0]
    assert short.ok and len(short.text) < len(full.text)
    assert extract_answer(short.text, "output").value == json.loads(t["output_json"])


def test_needs_an_executor_and_validates_config():
    with pytest.raises(ValueError, match="executor"):
        TraceTeacher(TraceTeacherConfig()).generate([ChatRequest(messages=[], task=task())], SamplingParams())
    for bad in ({"max_events": 0}, {"on_truncated": "ignore"}, {"loop_head": -1}):
        with pytest.raises(ValueError):
            TraceTeacherConfig(**bad)


def test_yaml_composes_and_builds_through_build_teacher(executor):
    from hydra import compose, initialize_config_dir

    from codeio.config import register_configs
    from codeio.teachers import build_teacher
    from tests.trace.trace_helpers import HARNESS

    register_configs()
    conf = HARNESS.parents[3] / "conf"
    with initialize_config_dir(config_dir=str(conf), version_base=None):
        cfg = compose("config", overrides=["+teacher=trace", "teacher.max_steps=30"])
    teacher, params = build_teacher(cfg.teacher, executor=executor)
    assert isinstance(teacher, TraceTeacher) and teacher.config.max_steps == 30
    assert teacher.model_name == "trace@v1" and teacher.executor is executor
    with initialize_config_dir(config_dir=str(conf), version_base=None):
        with pytest.raises(Exception, match="max_stepz"):
            compose("config", overrides=["+teacher=trace", "teacher.max_stepz=3"])
