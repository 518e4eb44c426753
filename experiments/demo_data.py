"""CodeI/O-shaped data from the paper's demo functions, for the benchmarks under ``experiments/``.

``../shared/data/codeio_reference/rawcode_1k_parsed.jsonl`` holds the paper's 464 demo functions after its
LLM transformation, with the input/output pairs its own pipeline recorded. From them:

- ``demo_pairs``: every recorded pair as an ``IOPair`` row;
- ``demo_tasks``: the prediction tasks the ``tasks`` stage builds from those pairs (bundled
  ``query_code`` prompts: query, I/O description, the given side, the reference code);
- ``traced_chat_rows``: training samples as CodeI/O has them, the task's prompt and a response with
  step-by-step reasoning, written by the execution-trace teacher (``teacher=trace``) from the function's
  own execution in the sandbox.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from codeio.records import IOPair, dumps

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEMO_FUNCTIONS = SHARED / "codeio_reference" / "rawcode_1k_parsed.jsonl"


def require_shared_data(path: Path = DEMO_FUNCTIONS) -> Path:
    if not path.is_file():
        raise SystemExit(f"data not found: {path} (see ../shared/data/README.md)")
    return path


def demo_pairs(path: Path = DEMO_FUNCTIONS) -> list[dict[str, Any]]:
    """Every recorded pair whose input is a keyword mapping and whose values are JSON (NaN/inf are not)."""
    pairs = []
    with require_shared_data(path).open() as handle:
        for line_no, line in enumerate(handle):
            fn = json.loads(line)
            for index, io in enumerate(fn.get("ios") or []):
                if not isinstance(io.get("input"), dict):
                    continue
                function_id = f"demo{line_no}"
                try:
                    inp, outp = dumps(io["input"]), dumps(io["output"])
                except (TypeError, ValueError):  # NaN / inf recorded by the paper's run: not JSON
                    continue
                pairs.append(IOPair(pair_id=IOPair.make_id(function_id, inp), function_id=function_id,
                                    raw_id=f"raw{line_no}", source="rawcode_1k",
                                    problem_description=fn["problem_description"],
                                    io_requirements=fn["io_requirements"], refcode=fn["refcode"],
                                    funcname=fn.get("funcname") or "main_solution", input_json=inp,
                                    output_json=outp, pair_index=index).to_row())
    return pairs


def demo_tasks(path: Path = DEMO_FUNCTIONS) -> list[dict[str, Any]]:
    """Prediction tasks of every demo pair, built by the ``tasks`` stage with its default prompt."""
    from codeio.tasks.builder import TaskBuilder
    from codeio.tasks.config import PromptConfig

    tasks, _ = TaskBuilder(PromptConfig()).process(demo_pairs(path))
    return tasks


def traced_chat_rows(count: int, seed: int = 0, path: Path = DEMO_FUNCTIONS) -> tuple[list[dict], Counter]:
    """``count`` training rows ``{"messages": [user prompt, assistant response]}`` from a seeded draw of the
    demo tasks, answered by the trace teacher in the forkserver sandbox, and the teacher's failures by
    reason (tasks it could not trace are skipped; more are drawn until ``count`` rows are answered)."""
    from codeio.execution import make_executor
    from codeio.teachers.base import ChatRequest, SamplingParams
    from codeio.teachers.trace.config import TraceTeacherConfig
    from codeio.teachers.trace.teacher import TraceTeacher

    tasks = demo_tasks(path)
    random.Random(seed).shuffle(tasks)
    rows: list[dict] = []
    failures: Counter = Counter()
    with make_executor("forkserver", timeout=10.0) as executor:
        teacher = TraceTeacher(TraceTeacherConfig(), executor)
        start = 0
        while len(rows) < count and start < len(tasks):
            chunk = tasks[start : start + max(16, 2 * (count - len(rows)))]
            start += len(chunk)
            requests = [ChatRequest(messages=[{"role": "user", "content": t["prompt"]}], task=t) for t in chunk]
            for task, gens in zip(chunk, teacher.generate(requests, SamplingParams(temperature=0.0)), strict=True):
                gen = gens[0]
                if not gen.ok:
                    failures[(gen.error or "unknown").split(":")[0]] += 1
                    continue
                rows.append({"messages": [{"role": "user", "content": task["prompt"]},
                                          {"role": "assistant", "content": gen.text}],
                             "kind": task["kind"]})
    return rows[:count], failures
