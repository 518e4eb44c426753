"""The evaluate stage's entry point end to end: tiny model through the hf teacher, given generations,
LeetCode-O predictions, the held-out CodeI/O tasks, and the results table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeio import records
from codeio.eval import run_evaluation
from codeio.eval.holdout import score_holdout
from codeio.teachers.base import Generation, Teacher
from tests.conftest import shared_file
from tests.eval.official_reference import reference_scores

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "leetcode_o"
ADD = "def main_solution(a, b):\n    return a + b\n"


def _holdout_tasks():
    rows = []
    for i, (a, b) in enumerate([(1, 2), (5, 7), (10, -3), (0, 0)]):
        kind = "output" if i % 2 == 0 else "input"
        rows.append({
            "task_id": f"t{i}", "pair_id": f"p{i}", "function_id": "add", "raw_id": "r", "source": "test",
            "kind": kind, "prompt": f"Predict the {kind} of adding a={a} and b={b}.", "refcode": ADD,
            "funcname": "main_solution", "input_json": records.dumps({"a": a, "b": b}),
            "output_json": records.dumps(a + b),
        })
    return rows


@pytest.fixture(scope="module")
def executor():
    from codeio.execution import make_executor

    with make_executor("forkserver", timeout=4.0) as ex:
        yield ex


def test_tiny_model_end_to_end_on_cruxeval_o(tmp_path, tiny_model_dir, executor):
    cfg = {
        "benchmarks": ["cruxeval_o", "codeio_holdout"],
        "cruxeval": {"data_path": str(shared_file("cruxeval", "cruxeval.jsonl")), "limit": 4},
        "generation": {"max_new_tokens": 12, "batch_size": 4},
    }
    table = run_evaluation(cfg, [("tiny", tiny_model_dir)], executor, tmp_path / "eval",
                           holdout_tasks=_holdout_tasks())
    row = table["rows"][0]
    assert row["errors"] == {}
    assert 0.0 <= row["scores"]["cruxeval_o"] <= 100.0
    assert row["scores"]["codeio_holdout"] is not None
    md = (tmp_path / "eval" / "results.md").read_text()
    assert md.startswith("| checkpoint | WinoGrande |") and "| CRUX-O |" in md and "| tiny |" in md
    assert "| checkpoint | CodeI/O-holdout |" in md  # outside Table 1: its own small table
    assert row["average"] == row["scores"]["cruxeval_o"] and row["average_over"] == ["cruxeval_o"]
    saved = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert saved["rows"][0]["scores"] == row["scores"]
    details = json.loads((tmp_path / "eval" / row["details"]).read_text())
    crux = details["cruxeval_o"]
    assert crux["summary"]["tasks"] == 4 and sum(crux["summary"]["statuses"].values()) == 4
    assert set(crux["responses"]) == {"sample_0", "sample_1", "sample_2", "sample_3"}
    assert details["codeio_holdout"]["tasks"] == 4


def test_given_generations_and_predictions(tmp_path, executor):
    """No model: CRUXEval-O/-I from the official sample files and LeetCode-O from a predictions file."""
    limit = 12
    data = shared_file("cruxeval", "cruxeval.jsonl")
    gens = {m: shared_file("cruxeval", f"codellama-7b_temp0.2_{m}_generations.json") for m in ("output", "input")}
    cfg = {
        "benchmarks": ["leetcode_o", "cruxeval_i", "cruxeval_o"],
        "cruxeval": {"data_path": str(data), "limit": limit, "generations_output": str(gens["output"]),
                     "generations_input": str(gens["input"])},
        "leetcode_o": {"data_path": str(FIXTURE / "prediction.jsonl"), "use_existing_outputs": True},
        "cruxeval_metric": "pass@5",
    }
    table = run_evaluation(cfg, [("codellama-7b-samples", None)], executor, tmp_path)
    row = table["rows"][0]
    assert row["errors"] == {}
    lines = data.read_text().splitlines(keepends=True)[:limit]
    (tmp_path / "subset.jsonl").write_text("".join(lines))
    for bench, mode in (("cruxeval_o", "output"), ("cruxeval_i", "input")):
        g = json.loads(gens[mode].read_text())
        ref = reference_scores(tmp_path / "subset.jsonl", {f"sample_{i}": g[f"sample_{i}"] for i in range(limit)}, mode)
        assert row["scores"][bench] == ref["pass@5"]
    assert row["scores"]["leetcode_o"] == pytest.approx(100 / 3)
    assert row["average"] == pytest.approx(sum(row["scores"].values()) / 3)
    assert row["average_over"] == ["leetcode_o", "cruxeval_i", "cruxeval_o"]


class _AnswerKeyTeacher(Teacher):
    """Answers every task from its own row (right for even task ids, wrong otherwise): a known key
    to check the hold-out scoring against."""

    model_name = "answer-key"

    def generate(self, requests, params):
        out = []
        for r in requests:
            t = r.task
            right = int(t["task_id"][1:]) % 2 == 0
            if t["kind"] == "output":
                value = json.loads(t["output_json"]) + (0 if right else 1)
                text = f'Adding gives {{"output": {value}}}'
            else:
                kw = json.loads(t["input_json"])
                kw["a"] += 0 if right else 100
                text = "One input that works: " + json.dumps({"input": kw})
            out.append([Generation(text=text, finish_reason="stop", model=self.model_name)] * params.n)
        return out


def test_holdout_scoring_with_known_answers(executor):
    tasks = _holdout_tasks() + [{"task_id": "t9", "kind": "output"}]  # last row is malformed
    result = score_holdout(_AnswerKeyTeacher(), tasks, executor)
    assert result["tasks"] == 4 and result["rejected"] == {"missing_prompt": 1}
    assert result["accuracy"] == 50.0
    assert result["by_kind"] == {"input": 0.0, "output": 100.0}
    assert result["statuses"] == {records.SUCCESS: 2, records.MISMATCH: 2}
