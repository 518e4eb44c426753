"""``revise`` (CodeI/O++): wrong answers get the verifier's feedback and another try, re-verified."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hydra.utils import instantiate

from codeio.pipeline.stage import ChunkOutput, Stage, semantic_config
from codeio.records import SUCCESS, Task
from codeio.stages.common import build_executor, build_teacher, require, teacher_key
from codeio.stages.respond import ask_teacher, conversation, teacher_counts
from codeio.stages.verify import correct_rate_per_turn, verify_latest


class ReviseStage(Stage):
    name = "revise"
    version = "1"
    record = Task

    def inputs(self) -> list[str]:
        return ["verify"]

    def key_config(self) -> dict[str, Any]:
        key = {"revision": semantic_config(self.cfg.revision)}
        if self.cfg.revision.turns > 0:  # turns=0 is a pass-through: shared by every teacher
            key.update(teacher_key(self.cfg))
            key["verifier"] = semantic_config(self.cfg.verifier)
            key["executor"] = semantic_config(self.cfg.executor)
        return key

    def validate(self) -> None:
        require(self.cfg, "revision", self.name)
        if self.cfg.revision.turns > 0:
            for group in ("teacher", "verifier", "executor"):
                require(self.cfg, group, self.name)

    def open(self, work_dir: Path) -> None:
        self.turns = self.cfg.revision.turns
        self.redo_request = self.cfg.revision.redo_request
        if self.turns > 0:
            self.executor = build_executor(self.cfg)
            self.teacher, self.sampling = build_teacher(self.cfg, executor=self.executor)
            self.verifier = instantiate(self.cfg.verifier)

    def close(self) -> None:
        for thing in (getattr(self, "teacher", None), getattr(self, "executor", None)):
            if thing is not None:
                thing.close()

    def process(self, rows: list[dict]) -> ChunkOutput:
        rejected: Counter = Counter()
        before = teacher_counts(getattr(self, "teacher", None))
        for turn in range(2, self.turns + 2):
            wrong = [r for r in rows if r["statuses"][-1] != SUCCESS and len(r["statuses"]) == turn - 1]
            if not wrong:
                break
            messages = [conversation(r, self.redo_request) for r in wrong]
            # A row whose teacher call fails for good keeps its earlier turns (never dropped here).
            answered = ask_teacher(self.teacher, self.sampling, wrong, messages, rejected,
                                   f"turn_{turn}_teacher_failed")
            if answered:
                verify_latest(self.verifier, self.executor, answered)
        # Failed revision calls are counted, but their rows still go out with their earlier turns.
        counts = teacher_counts(getattr(self, "teacher", None))
        counts.subtract(before)
        return ChunkOutput(rows, rejected, counts=+counts)

    def stats(self, ds) -> dict[str, Any]:
        return {"correct_rate": correct_rate_per_turn(ds),
                "turns_taken": dict(Counter(len(s) for s in ds["statuses"])) if len(ds) else {}}
