"""Task-row fixtures for the assemble tests: several functions, both kinds, one to three turns."""

from __future__ import annotations

import json
import random

import pytest

from codeio.assemble.config import DatasetConfig
from codeio.records import Task, dumps

VOCAB = ("list value index count total graph node edge weight path string char digit prime sum product "
         "matrix row column grid cell queue stack tree leaf root depth height number ratio angle point "
         "interval range window pair key map set order sort merge split token word line page").split()


def query(function_id: str, length: int = 60) -> str:
    """A problem text whose words depend on the function only (different functions: different texts)."""
    rng = random.Random(function_id)
    return " ".join(rng.choice(VOCAB) + str(rng.randint(0, 999)) for _ in range(length))


def make_task(function: str, pair: int, kind: str, statuses: list[str], system: str | None = None,
              prompt: str | None = None) -> dict:
    """A Task row as it leaves ``revise``: one response, verdict and feedback per turn."""
    inp = {"n": pair * 7 + 1, "name": f"item{pair}"}
    out = [pair, pair * 2]
    given = f"output {dumps(out)}" if kind == "input" else f"input {dumps(inp)}"
    prompt = prompt or (f"{query(function)}\n\ndef main_solution(n, name):\n    return [n // 7, 2 * (n // 7)]\n\n"
                        f"Given the {given}, predict the {kind}.")
    pair_id = f"{function}-p{pair}"
    row = Task(task_id=Task.make_id(pair_id, kind, "query_code"), pair_id=pair_id, function_id=function,
               raw_id=f"raw-{function}", source="fixture", kind=kind, prompt=prompt,
               refcode="def main_solution(n, name):\n    return [n // 7, 2 * (n // 7)]", funcname="main_solution",
               input_json=dumps(inp), output_json=dumps(out), system=system, model="fixture-model").to_row()
    for t, status in enumerate(statuses, start=1):
        row["responses"].append(f"[{row['task_id']} turn {t}] Step by step ... ```json\n{{\"{kind}\": {t}}}\n```")
        row["finish_reasons"].append("stop")
        row["statuses"].append(status)
        row["feedbacks"].append(f"verifier says {status} for turn {t} of {row['task_id']}")
        row["answers_json"].append(json.dumps({kind: t}))
    return row


# (function, pair, kind, statuses) for revision.turns = 1
SPEC = [
    ("fa", 0, "output", ["success"]),
    ("fa", 0, "input", ["mismatch", "success"]),
    ("fa", 1, "output", ["mismatch", "mismatch"]),
    ("fa", 1, "input", ["no_answer", "success"]),
    ("fb", 0, "output", ["mismatch", "success"]),
    ("fb", 0, "input", ["success"]),
    ("fb", 1, "output", ["exception", "mismatch"]),
    ("fb", 1, "input", ["success"]),
    ("fc", 0, "output", ["success"]),
    ("fc", 0, "input", ["mismatch", "mismatch"]),
    ("fc", 1, "output", ["timeout"]),  # revision call failed for good: only turn 1
    ("fd", 0, "input", ["success"]),
    ("fd", 1, "output", ["mismatch", "success"]),
    ("fd", 2, "input", ["mismatch", "mismatch"]),
]
NEVER_CORRECT = sum("success" not in s for *_, s in SPEC)


@pytest.fixture
def tasks() -> list[dict]:
    rows = [make_task(f, p, k, s) for f, p, k, s in SPEC]
    rows[5]["system"] = "Answer with JSON at the end."
    return rows


def quiet(**overrides) -> DatasetConfig:
    """Assembler settings for fast tests: no benchmark files, no plots unless asked; tasks whose revision
    failed are kept (SPEC has one; tests/assemble/test_exports.py pins the released-record rule)."""
    return DatasetConfig(**{"decontam_benchmarks": {}, "plots": False, "drop_unrevised": False, **overrides})
