"""``codeio_holdout``: score a model on held-out CodeI/O prediction tasks with the verifier.

The held-out tasks come from functions that never reach training: ``split_by_function`` assigns whole
functions (all their pairs and tasks) to one side, so no function leaks across the split. The assemble
stage does the split; this module scores a ``Teacher`` on the held-out ``Task`` rows: one greedy
response per task, judged by ``codeio.verify.Verifier`` (output prediction compared in the parent, input
prediction run in the executor).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from codeio.assemble.split import split_by_function  # noqa: F401 - the split lives where it is made
from codeio.records import SUCCESS
from codeio.teachers.base import ChatRequest, SamplingParams, Teacher


def task_messages(task: dict[str, Any], system: str | None = None) -> list[dict[str, str]]:
    """Chat messages for a Task row: its own system message (or ``system``) and its prompt."""
    messages = []
    sys_text = task.get("system") or system
    if sys_text:
        messages.append({"role": "system", "content": sys_text})
    messages.append({"role": "user", "content": task["prompt"]})
    return messages


def score_holdout(
    teacher: Teacher,
    tasks: Sequence[dict[str, Any]],
    executor: Any,
    params: SamplingParams | None = None,
    verifier: Any = None,
    limit: int | None = None,
    system: str | None = None,
) -> dict[str, Any]:
    """Accuracy (percent) of ``teacher`` on ``tasks`` (``records.Task`` rows), overall and per kind,
    with verdict counts. Rows missing required fields are counted under ``rejected``."""
    from codeio.verify.verifier import Verifier, VerifyItem

    verifier = verifier or Verifier()
    params = params or SamplingParams(temperature=0.0, max_tokens=1024, n=1)
    required = ("prompt", "kind", "refcode", "input_json", "output_json")
    usable, rejected = [], Counter()
    for t in list(tasks)[:limit] if limit is not None else tasks:
        missing = [f for f in required if not isinstance(t.get(f), str)]
        if missing:
            rejected[f"missing_{missing[0]}"] += 1
        else:
            usable.append(t)
    if not usable:
        return {"accuracy": None, "tasks": 0, "rejected": dict(rejected)}
    requests = [ChatRequest(messages=task_messages(t, system), task=dict(t)) for t in usable]
    generations = teacher.generate(requests, params)
    items = []
    for t, gens in zip(usable, generations, strict=True):
        g = gens[0] if gens else None
        items.append(
            VerifyItem(
                refcode=t["refcode"],
                funcname=t.get("funcname") or "main_solution",
                kind=t["kind"],
                input_json=t["input_json"],
                output_json=t["output_json"],
                response=g.text if g is not None else None,
                finish_reason=g.finish_reason if g is not None else None,
            )
        )
    verdicts = verifier.verify(items, executor)
    by_kind: dict[str, list[bool]] = {}
    for t, v in zip(usable, verdicts, strict=True):
        by_kind.setdefault(t["kind"], []).append(v.status == SUCCESS)
    correct = [v.status == SUCCESS for v in verdicts]
    return {
        "accuracy": 100.0 * sum(correct) / len(correct),
        "tasks": len(correct),
        "by_kind": {k: 100.0 * sum(v) / len(v) for k, v in sorted(by_kind.items())},
        "statuses": dict(Counter(v.status for v in verdicts)),
        "rejected": dict(rejected),
        "responses": [
            {"task_id": t.get("task_id"), "kind": t["kind"], "response": i.response, "status": v.status,
             "detail": v.detail}
            for t, i, v in zip(usable, items, verdicts, strict=True)
        ],
    }
