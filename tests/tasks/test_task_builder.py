"""Prediction tasks from I/O pairs: kinds, mix, caps, formats, templates from files."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from codeio.records import Task
from codeio.tasks import TaskBuilder, draws_input, load_templates
from codeio.tasks.builder import BAD_JSON, BAD_ROW, MISSING_QUERY, OVER_CAP
from codeio.tasks.config import BUNDLED_FORMATS, PromptConfig

REFCODE = "def main_solution(values, k):\n    return {'top': sorted(values)[-k:]}\n"
QUERY = "Given a list of numbers, which are the k largest ones?"
IO = "Input: values (list of int), k (int). Output: dict with key top (list of int)."


def pair(i: int = 0, function_id: str = "f1", **extra):
    row = {
        "pair_id": f"{function_id}-p{i}",
        "function_id": function_id,
        "raw_id": "r1",
        "source": "unit",
        "problem_description": QUERY,
        "io_requirements": IO,
        "refcode": REFCODE,
        "funcname": "main_solution",
        "input_json": json.dumps({"values": [5, 1, 9 + i], "k": 2}, sort_keys=True),
        "output_json": json.dumps({"top": [5, 9 + i]}),
        "pair_index": i,
        "origin": "generated",
    }
    row.update(extra)
    return row


def test_both_kinds_per_pair_with_all_task_fields():
    tasks, rejected = TaskBuilder(PromptConfig()).process([pair(0), pair(1)])
    assert rejected == Counter()
    assert [t["kind"] for t in tasks] == ["output", "input", "output", "input"]
    first = Task.from_row(tasks[0])
    assert first.task_id == Task.make_id("f1-p0", "output", "query_code")
    assert first.prompt_format == "query_code"
    assert (first.pair_id, first.function_id, first.raw_id, first.source) == ("f1-p0", "f1", "r1", "unit")
    assert first.input_json == pair(0)["input_json"] and first.output_json == pair(0)["output_json"]
    assert set(tasks[0]) == set(Task.__dataclass_fields__)
    assert len({t["task_id"] for t in tasks}) == 4


def test_output_prompt_shows_input_not_output_and_vice_versa():
    tasks, _ = TaskBuilder(PromptConfig()).process([pair(0)])
    out_prompt, in_prompt = tasks[0]["prompt"], tasks[1]["prompt"]
    for prompt in (out_prompt, in_prompt):
        assert QUERY in prompt and IO in prompt and "def main_solution(values, k)" in prompt
    assert '{"k": 2, "values": [5, 1, 9]}' in out_prompt
    assert '{"top": [5, 9]}' not in out_prompt
    assert '{"top": [5, 9]}' in in_prompt
    assert '"values": [5, 1, 9]' not in in_prompt
    assert '{"output": ' in out_prompt and '{"input": ' in in_prompt


@pytest.mark.parametrize("name", BUNDLED_FORMATS)
def test_every_bundled_format(name):
    tasks, rejected = TaskBuilder(PromptConfig(name=name)).process([pair(0)])
    assert not rejected and len(tasks) == 2
    for task in tasks:
        prompt = task["prompt"]
        assert task["prompt_format"] == name
        assert "{given}" not in prompt and "{query}" not in prompt and "{refcode}" not in prompt
        has_code = "return {'top'" in prompt
        has_query = QUERY in prompt
        assert has_code == (name in ("query_code", "code_only"))
        assert has_query == (name != "code_only")
        asks_code = "Write a Python function" in prompt or "write a Python function" in prompt
        assert asks_code == (name in ("query_to_code_cot", "query_to_code"))
    # the same pair gives distinct task ids under distinct formats
    assert tasks[0]["task_id"] == Task.make_id("f1-p0", "output", name)


def test_formats_differ_in_what_the_response_must_hold():
    cot = TaskBuilder(PromptConfig(name="query_to_code_cot")).process([pair(0)])[0][0]["prompt"]
    no_cot = TaskBuilder(PromptConfig(name="query_to_code")).process([pair(0)])[0][0]["prompt"]
    assert "step by step" in cot
    assert "no step-by-step reasoning" in no_cot


@pytest.mark.parametrize("mix, kinds", [("output", {"output"}), ("input", {"input"})])
def test_single_kind_mix(mix, kinds):
    tasks, _ = TaskBuilder(PromptConfig(mix=mix)).process([pair(i) for i in range(5)])
    assert len(tasks) == 5 and {t["kind"] for t in tasks} == kinds


def test_ratio_mix_is_deterministic_and_near_the_ratio():
    pairs = [pair(i, function_id=f"f{i}") for i in range(2000)]
    builder = TaskBuilder(PromptConfig(mix="ratio", input_ratio=0.3, seed=7))
    tasks, _ = builder.process(pairs)
    assert len(tasks) == 2000
    share = sum(t["kind"] == "input" for t in tasks) / 2000
    assert 0.26 < share < 0.34
    again, _ = TaskBuilder(PromptConfig(mix="ratio", input_ratio=0.3, seed=7)).process(list(reversed(pairs)))
    assert {t["task_id"] for t in again} == {t["task_id"] for t in tasks}
    other_seed, _ = TaskBuilder(PromptConfig(mix="ratio", input_ratio=0.3, seed=8)).process(pairs)
    assert [t["kind"] for t in other_seed] != [t["kind"] for t in tasks]
    assert all(draws_input(p["pair_id"], 0, 1.0) for p in pairs[:50])
    assert not any(draws_input(p["pair_id"], 0, 0.0) for p in pairs[:50])


def test_pairs_per_function_cap_uses_pair_index():
    pairs = [pair(i) for i in range(6)] + [pair(i, function_id="f2") for i in range(2)]
    tasks, rejected = TaskBuilder(PromptConfig(mix="output", pairs_per_function=3)).process(pairs)
    assert rejected == Counter({OVER_CAP: 3})
    assert sorted(t["pair_id"] for t in tasks) == ["f1-p0", "f1-p1", "f1-p2", "f2-p0", "f2-p1"]


def test_bad_rows_are_counted_not_raised():
    rows = [
        "not a dict",
        {k: v for k, v in pair(0).items() if k != "refcode"},
        pair(1, input_json="[1, 2]"),
        pair(2, output_json="{oops"),
        pair(3, pair_index="first"),
        pair(4, problem_description=""),
        pair(5),
    ]
    tasks, rejected = TaskBuilder(PromptConfig()).process(rows)
    assert rejected == Counter({BAD_ROW: 3, BAD_JSON: 2, MISSING_QUERY: 2})
    assert len(tasks) == 2
    # code_only does not need the query
    tasks, rejected = TaskBuilder(PromptConfig(name="code_only")).process([pair(4, problem_description="")])
    assert len(tasks) == 2 and not rejected


def test_template_file_with_literal_braces_and_system(tmp_path):
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump({
        "system": "You are a careful reasoner.",
        "output": 'Q: {query}\nIn: {given}\nAnswer as {"output": <your output>} {not_a_placeholder}',
        "input": 'Code:\n{refcode}\nOut: {given}\nAnswer as {"input": <dict>}',
    }))
    tasks, _ = TaskBuilder(PromptConfig(name="paper", template_file=str(path))).process([pair(0)])
    assert tasks[0]["prompt"].startswith(f"Q: {QUERY}\nIn: ")
    assert tasks[0]["prompt"].endswith('Answer as {"output": <your output>} {not_a_placeholder}')
    assert tasks[0]["system"] == "You are a careful reasoner."
    assert tasks[0]["prompt_format"] == "paper"
    assert tasks[1]["prompt"].startswith("Code:\ndef main_solution")
    # an explicit system message wins over the file's
    tasks, _ = TaskBuilder(PromptConfig(name="paper", template_file=str(path), system="S")).process([pair(0)])
    assert tasks[0]["system"] == "S"


def test_inserted_text_is_not_rescanned_for_placeholders():
    tricky = pair(0, problem_description="Explain {given} and {refcode} literally.")
    prompt = TaskBuilder(PromptConfig(mix="output")).process([tricky])[0][0]["prompt"]
    assert "Explain {given} and {refcode} literally." in prompt


@pytest.mark.parametrize(
    "content, message",
    [
        ({"output": "no placeholder", "input": "{given}"}, "must contain {given}"),
        ({"output": "{given}"}, "'input'"),
        ({"output": "{given}", "input": "{given}", "extra": "x"}, "unknown keys"),
        (["a list"], "must be a mapping"),
    ],
)
def test_bad_template_files_fail_at_start(tmp_path, content, message):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(ValueError, match=message):
        load_templates("x", str(path))


def test_config_validation():
    with pytest.raises(ValueError, match="prompt.mix"):
        PromptConfig(mix="half")
    with pytest.raises(ValueError, match="input_ratio"):
        PromptConfig(mix="ratio", input_ratio=1.5)
    with pytest.raises(ValueError, match="no bundled template"):
        PromptConfig(name="mine")
    with pytest.raises(ValueError, match="pairs_per_function"):
        PromptConfig(pairs_per_function=-1)
    with pytest.raises(ValueError, match="cannot be read"):
        TaskBuilder(PromptConfig(name="mine", template_file="/nonexistent/file.yaml"))


def test_paper_experiment_shows_the_given_value_as_python_str():
    """Issue #17 item 4: the paper's prompts show ``str()`` of the value ({'k': 2, ...}, True, None, a
    bare string), not JSON; JSON stays an option (the schema default)."""
    from tests.helpers import build_from, compose_config

    paper = build_from(compose_config(["+experiment=codeio", "source.path=x"]).prompt)
    assert paper.config.given_format == "python"
    row = pair(0, output_json=json.dumps({"top": [5, 9], "ok": True, "none": None}))
    out_prompt, in_prompt = paper.build_prompt(row, "output"), paper.build_prompt(row, "input")
    assert "{'k': 2, 'values': [5, 1, 9]}" in out_prompt and '"values"' not in out_prompt
    assert "{'top': [5, 9], 'ok': True, 'none': None}" in in_prompt
    text_output = paper.build_prompt(pair(0, output_json=json.dumps("abc")), "input")
    assert "\nabc\n" in text_output and '"abc"' not in text_output
    as_json = TaskBuilder(PromptConfig())
    assert '{"k": 2, "values": [5, 1, 9]}' in as_json.build_prompt(row, "output")
    with pytest.raises(ValueError, match="given_format"):
        PromptConfig(given_format="repr")


def test_template_file_takes_the_authors_placeholders(tmp_path):
    """Issue #17 item 11 (prompts side): the authors' template texts paste into a template file unchanged."""
    path = tmp_path / "authors.yaml"
    path.write_text(yaml.safe_dump({
        "output": "Q: <<<<query>>>>\nIO: <<<<io_req>>>>\nGiven input <<<<input>>>>, predict {\"output\": ...}\n\n<<<<refcode>>>>",
        "input": "Q: <<<<query>>>>\nGiven output <<<<output>>>>, predict {\"input\": ...}",
    }))
    builder = TaskBuilder(PromptConfig(name="authors", template_file=str(path), given_format="python"))
    out_prompt, in_prompt = builder.build_prompt(pair(), "output"), builder.build_prompt(pair(), "input")
    assert out_prompt.startswith(f"Q: {QUERY}\nIO: {IO}\nGiven input {{'k': 2, 'values': [5, 1, 9]}}")
    assert REFCODE.strip() in out_prompt and '{"output": ...}' in out_prompt and "<<<<" not in out_prompt
    assert "Given output {'top': [5, 9]}" in in_prompt
