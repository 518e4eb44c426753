"""Issue #17 item 7: Table 3 re-arranges one fixed set of teacher responses for the student; sweeping
``dataset.student_format`` changes only the assemble stage, never what the teacher is asked."""

from __future__ import annotations

import json

from codeio.assemble.assembler import Assembler
from codeio.records import Task
from tests.assemble.conftest import quiet
from tests.helpers import compose_config

REFCODE = "def main_solution(n):\n    return n * 2\n"


def task(kind: str) -> dict:
    row = Task(task_id=f"t-{kind}", pair_id="p", function_id="f", raw_id="r", source="s", kind=kind,
               prompt="TEACHER PROMPT", refcode=REFCODE, funcname="main_solution", input_json='{"n": 3}',
               output_json="6", problem_description="Double a number.", io_requirements="n: int; returns int",
               model="m").to_row()
    row.update(responses=[f'Doubling 3 gives 6. ```json\n{{"{kind}": 6}}\n```'], finish_reasons=["stop"],
               statuses=["success"], feedbacks=["ok"], answers_json=["6"])
    return row


def assistant(sample: dict) -> str:
    return [m["content"] for m in sample["messages"] if m["role"] == "assistant"][0]


def user(sample: dict) -> str:
    return [m["content"] for m in sample["messages"] if m["role"] == "user"][0]


def test_student_formats_rearrange_one_response(tmp_path):
    rows = [task("output"), task("input")]
    teacher, _, _ = Assembler(quiet()).run(rows, tmp_path / "t", 0, {})
    assert user(teacher[0]) == "TEACHER PROMPT" and assistant(teacher[0]).startswith("Doubling")
    views = {}
    for name in ("query_code", "query_only", "code_only", "query_to_code_cot", "query_to_code"):
        samples, rejected, _ = Assembler(quiet(student_format=name)).run(rows, tmp_path / name, 0, {},
                                                                       given_format="python")
        assert not rejected and len(samples) == 2
        views[name] = samples[0]  # the output-prediction task
    assert "Double a number." in user(views["query_only"]) and REFCODE.strip() not in user(views["query_only"])
    assert REFCODE.strip() in user(views["code_only"]) and "Double a number." not in user(views["code_only"])
    assert "Double a number." in user(views["query_code"]) and REFCODE.strip() in user(views["query_code"])
    assert "{'n': 3}" in user(views["query_code"])  # the run's given format
    for name in ("query_code", "query_only", "code_only"):
        assert assistant(views[name]) == assistant(teacher[0])  # the same reasoning
    assert assistant(views["query_to_code_cot"]).startswith("```python\n" + REFCODE.strip())
    assert assistant(views["query_to_code_cot"]).endswith(assistant(teacher[0]))
    no_cot = assistant(views["query_to_code"])
    assert no_cot.startswith("```python") and "Doubling" not in no_cot
    assert json.loads(no_cot.rsplit("```json\n", 1)[1].split("\n```")[0]) == {"output": 6}


def test_sweeping_the_student_format_sends_no_new_teacher_requests(tmp_path):
    """Every point of ablation_prompt_format shares the stage keys up to revise (so the responses come from
    the cache, with no teacher request); only assemble and later stages differ."""
    from omegaconf import OmegaConf

    from codeio.pipeline.runner import Pipeline
    from codeio.stages import STAGES

    keys = []
    for name in ("query_code", "query_only", "code_only", "query_to_code_cot", "query_to_code"):
        cfg = compose_config(["+experiment=ablation_prompt_format", f"dataset.student_format={name}",
                              "source.path=/nonexistent.jsonl", "source.source_field=corpus",
                              "dataset.instruction_data=/nonexistent/it.jsonl", f"cache.dir={tmp_path}"])
        pipeline = Pipeline(OmegaConf.to_object(cfg), tmp_path / name, STAGES)
        keys.append({stage: pipeline.key(stage) for stage in ("tasks", "respond", "verify", "revise", "assemble")})
    for stage in ("tasks", "respond", "verify", "revise"):
        assert len({k[stage] for k in keys}) == 1, stage
    assert len({k["assemble"] for k in keys}) == 5
