"""Importers of already-unified corpora, and the transform stage's validate + smoke-run path for them."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest

from codeio.execution import make_executor
from codeio.sources.base import Rejected
from codeio.sources.config import ReasoningGymSourceConfig, UnifiedSourceConfig
from codeio.sources.reasoning_gym import ReasoningGymSource
from codeio.sources.unified import UnifiedSource
from codeio.transform import Transformer
from codeio.transform.config import TransformConfig
from tests.conftest import shared_file

GOOD = {
    "problem_description": "How many stones in two piles?",
    "io_requirements": "Input: a, b (int). Output: int",
    "refcode": "def main_solution(a, b):\n    return a + b\n",
    "funcname": "main_solution",
    "ios": [{"input": {"a": 1, "b": 2}, "output": 3}],
}


@pytest.fixture(scope="module")
def executor():
    with make_executor("forkserver", timeout=5.0) as ex:
        yield ex


def _split(items):
    rows = [i for i in items if isinstance(i, dict)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    return rows, rejected


def test_unified_source_rejects_bad_lines(tmp_path):
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({k: v for k, v in GOOD.items() if k != "refcode"}),
        json.dumps({**GOOD, "refcode": 42}),
        json.dumps({**GOOD, "ios": "nope"}),
        json.dumps({**GOOD, "ios": [{"input": [1, 2], "output": 3}]}),
        json.dumps({**GOOD, "ios": []}),  # no generator and no pairs
        json.dumps([1, 2, 3]),
        "",
        json.dumps({**GOOD, "ios": [], "inputgen": "def input_generator():\n    return {'a': 1, 'b': 2}\n",
                    "source": "pyedu", "category": "math", "meta": {"k": 1}}),
    ]
    path = tmp_path / "funcs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows, rejected = _split(list(UnifiedSource(UnifiedSourceConfig(path=str(path), name="mine")).iter_items()))
    assert len(rows) == 2
    assert sorted(r.reason for r in rejected) == sorted(
        ["malformed_json", "missing_field", "wrong_type", "wrong_type", "wrong_type", "no_inputs", "not_an_object"])
    assert all(r["source"] == "mine" and r["unified_json"] for r in rows)
    last = json.loads(rows[1]["unified_json"])
    assert last["meta"] == {"k": 1, "category": "math", "source": "pyedu"}
    assert rows[1]["path"].endswith("funcs.jsonl:10")


def test_unified_source_glob_and_missing_path(tmp_path):
    for i in range(3):
        (tmp_path / f"part{i}.jsonl").write_text(json.dumps({**GOOD, "problem_description": f"p{i}"}) + "\n")
    rows, _ = _split(list(UnifiedSource(UnifiedSourceConfig(path=str(tmp_path / "part*.jsonl"))).iter_items()))
    assert [json.loads(r["unified_json"])["problem_description"] for r in rows] == ["p0", "p1", "p2"]
    with pytest.raises(ValueError, match="source.path"):
        list(UnifiedSource(UnifiedSourceConfig(path=str(tmp_path / "none*.jsonl"))).iter_items())


def test_reasoning_gym_reads_array_and_jsonl(tmp_path):
    record = {"task_description": "t", "input_output_spec": "io",
              "code_sample": "def main_solution(x):\n    return x * 2\n",
              "input_generator": "def generate_inputs(rng: Random) -> dict:\n    return {'x': rng.randint(0, 9)}\n",
              "difficulty": 3}
    arr, lines = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    with gzip.open(arr, "wt") as f:
        json.dump([record, {"task_description": "no code"}], f, indent=2)
    with gzip.open(lines, "wt") as f:
        f.write(json.dumps(record) + "\n{broken\n")
    rows, rejected = _split(list(ReasoningGymSource(ReasoningGymSourceConfig(path=str(tmp_path / "*.json.gz"))).iter_items()))
    assert len(rows) == 2
    assert sorted(r.reason for r in rejected) == ["malformed_json", "missing_field"]
    fn = json.loads(rows[0]["unified_json"])
    assert fn["inputgen"].startswith("from random import Random")
    assert fn["meta"] == {"difficulty": 3}


def test_reasoning_gym_without_path_or_package_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_rg(name, *args, **kwargs):
        if name == "reasoning_gym":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rg)
    with pytest.raises(ValueError, match="reasoning-gym"):
        ReasoningGymSource(ReasoningGymSourceConfig())


def test_transform_validates_and_smoke_runs_imported_rows(tmp_path, executor):
    gen = "from random import Random\n\ndef generate_inputs(rng: Random) -> dict:\n    return {'x': rng.randint(0, 9)}\n"
    records = [
        {**GOOD},  # smoke-run on its first recorded input
        {**GOOD, "ios": [], "inputgen": gen.replace("'x'", "'a'").replace("}", ", 'b': 1}")},
        {**GOOD, "refcode": "def main_solution(a, b):\n    return {a, b}\n"},  # a set: not JSON
        {**GOOD, "refcode": "import socket\ndef main_solution(a, b):\n    return a\n"},  # deny-listed
        {**GOOD, "refcode": "import not_a_real_module_q\ndef main_solution(a, b):\n    return a\n"},
        {**GOOD, "refcode": "def solve(a, b):\n    return a\n"},  # no entry
        {**GOOD, "ios": [], "inputgen": "def input_generator(a, b):\n    return {}\n"},
        {**GOOD},  # exact duplicate of the first
    ]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    raws, _ = _split(list(UnifiedSource(UnifiedSourceConfig(path=str(path))).iter_items()))
    fns, counts = Transformer(TransformConfig()).process(raws, executor)
    assert len(fns) == 2
    assert counts == {"smoke_not_serializable": 1, "denied_import": 1, "smoke_missing_module": 1,
                      "missing_entry": 1, "generator_bad_signature": 1, "duplicate_function": 1}
    assert fns[0]["inputgen_entry"] is None and json.loads(fns[0]["ios_json"])[0]["output"] == 3
    assert fns[1]["inputgen_entry"] == "generate_inputs"


def test_reasoning_gym_sample_passes_transform(executor):
    path = shared_file("reasoning_gym", "codeio.json.gz")
    raws = [r for r in itertools.islice(ReasoningGymSource(ReasoningGymSourceConfig(path=str(path))).iter_items(), 150) if isinstance(r, dict)]
    fns, counts = Transformer(TransformConfig()).process(raws, executor)
    assert len(fns) + sum(counts.values()) == len(raws)
    assert len(fns) >= 0.9 * len(raws)


@pytest.mark.slow
def test_both_reasoning_gym_files_yield_over_5000_functions(executor):
    paths = [shared_file("reasoning_gym", n) for n in ("codeio.json.gz", "codeio-hq.json.gz")]
    raws = []
    for p in paths:
        rows, rejected = _split(list(ReasoningGymSource(ReasoningGymSourceConfig(path=str(p))).iter_items()))
        assert not rejected
        raws += rows
    fns, counts = Transformer(TransformConfig()).process(raws, executor)
    assert len(fns) + sum(counts.values()) == len(raws) == 5752
    assert len(fns) > 5000, counts
    assert len({f["function_id"] for f in fns}) == len(fns)


def test_unified_source_drops_non_strict_json_pairs(tmp_path):
    nan_only = json.dumps({**GOOD, "ios": [{"input": {"a": 1, "b": 1}, "output": float("nan")}]})
    mixed = json.dumps({**GOOD, "ios": [{"input": {"a": 1, "b": 1}, "output": float("inf")}, *GOOD["ios"]]})
    path = tmp_path / "nan.jsonl"
    path.write_text(nan_only + "\n" + mixed + "\n")
    rows, rejected = _split(list(UnifiedSource(UnifiedSourceConfig(path=str(path))).iter_items()))
    assert [r.reason for r in rejected] == ["not_json"]
    fn = json.loads(rows[0]["unified_json"])
    assert fn["ios"] == GOOD["ios"] and fn["meta"] == {"ios_dropped_not_json": 1}
