"""``verify``: check each latest answer (re-executing predicted inputs) and write the feedback."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from hydra.utils import instantiate

from codeio.pipeline.stage import ChunkOutput, Stage, semantic_config
from codeio.records import SUCCESS, Task
from codeio.stages.common import build_executor, require


def verify_latest(verifier, executor, rows: list[dict]) -> None:
    """Append the verdict of each row's latest response (status, feedback, extracted answer)."""
    from codeio.verify import VerifyItem

    items = [VerifyItem(refcode=r["refcode"], funcname=r["funcname"], kind=r["kind"],
                        input_json=r["input_json"], output_json=r["output_json"],
                        response=r["responses"][-1], finish_reason=r["finish_reasons"][-1]) for r in rows]
    for row, verdict in zip(rows, verifier.verify(items, executor), strict=True):
        row["statuses"] = [*row["statuses"], verdict.status]
        row["feedbacks"] = [*row["feedbacks"], verdict.feedback]
        row["answers_json"] = [*row["answers_json"], verdict.answer_json]


def correct_rate_per_turn(ds) -> dict[str, dict[str, float]]:
    """Share of tasks answered correctly by turn t (cumulative), per task kind and overall."""
    if not len(ds):
        return {}
    kinds, statuses = ds["kind"], ds["statuses"]
    max_turns = max((len(s) for s in statuses), default=0)
    out: dict[str, dict[str, float]] = {}
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for kind, st in zip(kinds, statuses, strict=True):
        groups[kind].append(st)
        groups["all"].append(st)
    for group, rows in sorted(groups.items()):
        out[group] = {f"turn_{t}": round(sum(1 for st in rows if SUCCESS in st[:t]) / len(rows), 4)
                      for t in range(1, max_turns + 1)}
    return out


class VerifyStage(Stage):
    name = "verify"
    version = "1"
    record = Task

    def inputs(self) -> list[str]:
        return ["respond"]

    def key_config(self) -> dict[str, Any]:
        return {"verifier": semantic_config(self.cfg.verifier), "executor": semantic_config(self.cfg.executor)}

    def validate(self) -> None:
        require(self.cfg, "verifier", self.name)
        require(self.cfg, "executor", self.name)
        instantiate(self.cfg.verifier)

    def open(self, work_dir: Path) -> None:
        self.executor = build_executor(self.cfg)
        self.verifier = instantiate(self.cfg.verifier)

    def close(self) -> None:
        if getattr(self, "executor", None) is not None:
            self.executor.close()

    def process(self, rows: list[dict]) -> ChunkOutput:
        verify_latest(self.verifier, self.executor, rows)
        return ChunkOutput(rows, Counter())

    def stats(self, ds) -> dict[str, Any]:
        verdicts = Counter(s[-1] for s in ds["statuses"]) if len(ds) else Counter()
        return {"verdicts": dict(verdicts), "correct_rate": correct_rate_per_turn(ds)}
