"""CRUXEval scoring: the official semantics, checked against an independent re-implementation.

The oracle (tests/eval/official_reference.py) re-implements the published scorer's loop (exec in a
forked child per generation, 3 s limit) and computes pass@1/pass@5 with its numpy formula; it is run
once per test on the same generations. Our CLI must reproduce both numbers exactly (float equality) and
every per-generation verdict.
"""

from __future__ import annotations

import json
import math

import pytest

from codeio.eval import cruxeval as cx
from tests.conftest import shared_file
from tests.eval.official_reference import official_pass_at_k, reference_scores


def _data():
    return shared_file("cruxeval", "cruxeval.jsonl")


def _generations(mode):
    return shared_file("cruxeval", f"codellama-7b_temp0.2_{mode}_generations.json")


@pytest.fixture(scope="module")
def executor():
    from codeio.execution import make_executor

    with make_executor("forkserver", timeout=4.0) as ex:
        yield ex


def test_pass_at_k_matches_combinatorial_definition():
    for n in (5, 10):
        for c in range(n + 1):
            for k in (1, 5):
                expected = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert cx.pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)
                assert cx.pass_at_k(n, c, k) == float(official_pass_at_k(n, c, k))
    assert cx.aggregate_pass_at_k([(1, 1), (1, 0)], 1) == 50.0
    assert cx.aggregate_pass_at_k([(1, 1)], 5) is None  # undefined with fewer than k samples


def test_prefilters_and_programs():
    task = cx.CruxTask("sample_x", "def f(a):\n    return a + 1", "1", "2")
    assert cx.rejected_before_running(task, "f(1)", "output") == "contains_call"
    assert cx.rejected_before_running(task, "2", "output") is None
    assert cx.rejected_before_running(task, "1", "input") == "no_call"
    assert cx.rejected_before_running(task, None, "input") == "not_a_string"
    assert cx.check_program(task, "f(1)", "input").endswith("assert 2 == f(1)")
    assert cx.check_program(task, "2", "output", check="execute").endswith("assert f(1) == 2")


def test_score_small_handmade_set(executor):
    tasks = [
        cx.CruxTask("a", "def f(x):\n    return x * 2", "3", "6"),
        cx.CruxTask("b", "def f(s):\n    return s[::-1]", "'ab'", "'ba'"),
        cx.CruxTask("c", "def f(n):\n    while n > 0:\n        pass\n    return n", "0", "0"),
    ]
    gens = {
        "a": ["6", "7", "f(3)", "3 * 2", "6\nimport os"],  # right, wrong, cheating, expression, trailing stmt
        "b": ["'ba'", "'ab'", "1/0", "'ba'", "syntax error ("],
        "c": ["0", "0", "0", "0", "0"],
        "zzz": ["1"],
    }
    out = cx.score_generations(tasks, gens, "output", executor, timeout=1.0)
    passed = {r.id: r.passed for r in out.results}
    assert passed["a"] == [True, False, False, True, True]
    assert passed["b"] == [True, False, False, True, False]
    assert passed["c"] == [True] * 5
    assert out.unknown_ids == 1 and out.missing == 0
    # input mode: f(<prediction>) == output; an infinite loop is a timeout, not a crash of the run
    gens_in = {"c": ["f(0)", "f(1)", "f(n=0)", "0", "f(-3)"]}
    res = cx.score_generations(tasks, gens_in, "input", executor, timeout=1.0)
    assert res.results[0].passed == [True, False, True, False, False]
    assert res.results[0].statuses[1] == "timeout"
    assert res.missing == 2 and res.tasks == 1


@pytest.mark.parametrize("mode", ["output", "input"])
def test_cli_matches_official_scorer_on_subset(mode, tmp_path, capsys):
    """First 60 tasks x 10 CodeLlama-7B samples, both modes (fast subset of the full check)."""
    limit = 60
    gens = json.loads(_generations(mode).read_text())
    subset = {f"sample_{i}": gens[f"sample_{i}"] for i in range(limit)}
    gen_file = tmp_path / "gens.json"
    gen_file.write_text(json.dumps(subset))
    data_file = tmp_path / "data.jsonl"
    data_file.write_text("".join(_data().read_text().splitlines(keepends=True)[:limit]))
    ref = reference_scores(data_file, subset, mode)
    out_file = tmp_path / "scored.json"
    assert cx.main(["--mode", mode, "--generations", str(gen_file), "--data", str(data_file),
                    "--out", str(out_file)]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["pass@1"] == ref["pass@1"]
    assert printed["pass@5"] == ref["pass@5"]
    per_sample = {r["id"]: r["passed"] for r in json.loads(out_file.read_text())["results"]}
    assert per_sample == ref["scores"]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("mode", ["output", "input"])
def test_cli_matches_official_scorer_full(mode, tmp_path, capsys):
    """All 800 tasks x 10 samples (8,000 checks per mode): 1.5-6 minutes per mode on 2 busy cores."""
    gens = json.loads(_generations(mode).read_text())
    ref = reference_scores(_data(), gens, mode)
    out_file = tmp_path / "scored.json"
    assert cx.main(["--mode", mode, "--generations", str(_generations(mode)), "--data", str(_data()),
                    "--out", str(out_file)]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (printed["pass@1"], printed["pass@5"]) == (ref["pass@1"], ref["pass@5"])
    per_sample = {r["id"]: r["passed"] for r in json.loads(out_file.read_text())["results"]}
    assert per_sample == ref["scores"]


def test_load_from_datasets_dir(tmp_path):
    import datasets

    rows = [json.loads(line) for line in _data().read_text().splitlines()[:5]]
    datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)}).save_to_disk(str(tmp_path / "ds"))
    tasks = cx.load_cruxeval(tmp_path / "ds", limit=3)
    assert [t.id for t in tasks] == ["sample_0", "sample_1", "sample_2"]
    assert tasks[1].output == rows[1]["output"]


def test_prompts_and_answer_extraction():
    task = cx.CruxTask("s", "def f(x):\n    return x", "[1, 2]", "[1, 2]")
    for mode in cx.MODES:
        for style in cx.PROMPT_STYLES:
            prompt = cx.make_prompt(task, mode, style)
            assert task.code in prompt and "[ANSWER]" in prompt
            assert ("[THOUGHT]" in prompt) == (style == "cot")
            assert "Example" not in prompt and prompt.count("[PYTHON]") == 1  # zero-shot, as the paper
            one_shot = cx.make_prompt(task, mode, style, shots=1)
            assert "Example:" in one_shot and one_shot.count("[PYTHON]") == 2
    assert "assert f([1, 2]) == ??" in cx.make_prompt(task, "output")
    assert "assert f(??) == [1, 2]" in cx.make_prompt(task, "input")
    # output mode: right-hand side of the assertion inside the first [ANSWER] block
    assert cx.extract_answer("[THOUGHT]x is 3[/THOUGHT]\n[ANSWER]\nassert f(3) == 'abc'\n[/ANSWER]", "output") == "'abc'"
    assert cx.extract_answer("assert f(3) == [1, 2]", "output") == "[1, 2]"
    assert cx.extract_answer("[ANSWER]\n```python\nassert f(3) == 4\n```\n[/ANSWER]", "output") == "4"
    # input mode: the call, without `assert`
    assert cx.extract_answer("[ANSWER]assert f([1, 2]) == [1, 2][/ANSWER]", "input") == "f([1, 2])"
    assert cx.extract_answer("f('x')", "input") == "f('x')"
    assert cx.extract_answer(None, "input") == ""
