"""``verify``: check each latest answer (re-executing predicted inputs) and write the feedback."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import Task
from codeio.schema import build, output_settings
from codeio.stages.common import build_executor
from codeio.stages.turns import correct_rate_per_turn, verify_latest


class VerifyStage(Stage):
    name = "verify"
    version = "1"
    record = Task
    groups = ("verifier", "executor")

    def inputs(self) -> list[str]:
        return ["respond"]

    def key_config(self) -> dict[str, Any]:
        return {"verifier": output_settings(self.cfg.verifier), "executor": output_settings(self.cfg.executor)}

    def validate(self) -> None:
        build(self.cfg.verifier)  # a missing or malformed feedback file fails here

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.executor = build_executor(self.cfg, resources)
        self.verifier = build(self.cfg.verifier)

    def process(self, rows: list[dict]) -> ChunkOutput:
        verify_latest(self.verifier, self.executor, rows)
        return ChunkOutput(rows, Counter())

    def stats(self, ds) -> dict[str, Any]:
        verdicts = Counter(s[-1] for s in ds["statuses"]) if len(ds) else Counter()
        return {"verdicts": dict(verdicts), "correct_rate": correct_rate_per_turn(ds)}
