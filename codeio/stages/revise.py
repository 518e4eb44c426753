"""``revise`` (CodeI/O++): wrong answers get the verifier's feedback and another try, re-verified."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import SUCCESS, Task
from codeio.schema import build, output_settings
from codeio.stages.common import build_executor, build_teacher, teacher_key
from codeio.stages.turns import (
    ask_teacher,
    conversation,
    correct_rate_per_turn,
    teacher_counts,
    verify_latest,
)


class ReviseStage(Stage):
    name = "revise"
    version = "1"
    record = Task
    groups = ("revision",)

    def inputs(self) -> list[str]:
        return ["verify"]

    def required_groups(self) -> tuple[str, ...]:
        if self.cfg.revision is not None and self.cfg.revision.turns > 0:
            return (*self.groups, "teacher", "verifier", "executor")
        return self.groups

    def key_config(self) -> dict[str, Any]:
        key = {"revision": output_settings(self.cfg.revision)}
        if self.cfg.revision.turns > 0:  # turns=0 is a pass-through: shared by every teacher
            key.update(teacher_key(self.cfg))
            key["verifier"] = output_settings(self.cfg.verifier)
            key["executor"] = output_settings(self.cfg.executor)
        return key

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.teacher = None
        if self.cfg.revision.turns > 0:
            self.executor = build_executor(self.cfg, resources)
            self.teacher = build_teacher(self.cfg, resources, executor=self.executor)
            self.verifier = build(self.cfg.verifier)

    def process(self, rows: list[dict]) -> ChunkOutput:
        rejected: Counter = Counter()
        before = teacher_counts(self.teacher)
        redo_request = self.cfg.revision.redo_request
        for turn in range(2, self.cfg.revision.turns + 2):
            wrong = [r for r in rows if r["statuses"][-1] != SUCCESS and len(r["statuses"]) == turn - 1]
            if not wrong:
                break
            messages = [conversation(r, redo_request) for r in wrong]
            # A row whose teacher call fails for good keeps its earlier turns (never dropped here).
            answered = ask_teacher(self.teacher, self.cfg.teacher.sampling, wrong, messages, rejected,
                                   f"turn_{turn}_teacher_failed")
            if answered:
                verify_latest(self.verifier, self.executor, answered)
        # Failed revision calls are counted, but their rows still go out with their earlier turns.
        counts = teacher_counts(self.teacher)
        counts.subtract(before)
        return ChunkOutput(rows, rejected, counts=+counts)

    def stats(self, ds) -> dict[str, Any]:
        return {"correct_rate": correct_rate_per_turn(ds),
                "turns_taken": dict(Counter(len(s) for s in ds["statuses"])) if len(ds) else {}}
