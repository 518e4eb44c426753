"""``respond``: tasks -> turn-1 responses from the teacher (cached per conversation and sample)."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import Task
from codeio.stages.common import build_executor, build_teacher, teacher_key, teacher_needs_executor
from codeio.stages.turns import ask_teacher, first_turn_messages, teacher_counts


class RespondStage(Stage):
    name = "respond"
    version = "1"
    record = Task
    groups = ("teacher",)

    def inputs(self) -> list[str]:
        return ["tasks"]

    def required_groups(self) -> tuple[str, ...]:
        if self.cfg.teacher is not None and teacher_needs_executor(self.cfg):
            return (*self.groups, "executor")
        return self.groups

    def key_config(self) -> dict[str, Any]:
        return teacher_key(self.cfg)

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        executor = build_executor(self.cfg, resources) if teacher_needs_executor(self.cfg) else None
        self.teacher = build_teacher(self.cfg, resources, executor=executor)

    def process(self, rows: list[dict]) -> ChunkOutput:
        rejected: Counter = Counter()
        rows = [dict(r, responses=[], finish_reasons=[], statuses=[], feedbacks=[], answers_json=[])
                for r in rows]
        before = teacher_counts(self.teacher)
        answered = ask_teacher(self.teacher, self.cfg.teacher.sampling, rows,
                               [first_turn_messages(r) for r in rows], rejected, "teacher_failed")
        counts = teacher_counts(self.teacher)
        counts.subtract(before)
        return ChunkOutput(answered, rejected, counts=+counts)

    def stats(self, ds) -> dict[str, Any]:
        reasons = Counter(fr[0] for fr in ds["finish_reasons"]) if len(ds) else Counter()
        return {"finish_reasons": dict(reasons), "truncated": reasons.get("length", 0)}
