"""``tasks``: pairs -> input- and output-prediction prompts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hydra.utils import instantiate

from codeio.pipeline.stage import ChunkOutput, Stage, semantic_config
from codeio.records import Task
from codeio.stages.common import require


class TasksStage(Stage):
    name = "tasks"
    version = "1"
    record = Task

    def inputs(self) -> list[str]:
        return ["sample"]

    def key_config(self) -> dict[str, Any]:
        return {"prompt": semantic_config(self.cfg.prompt)}

    def validate(self) -> None:
        require(self.cfg, "prompt", self.name)
        self.builder = instantiate(self.cfg.prompt)

    def process(self, rows: list[dict]) -> ChunkOutput:
        tasks, rejected = self.builder.process(rows)
        return ChunkOutput(tasks, rejected)

    def stats(self, ds) -> dict[str, Any]:
        return {"tasks_by_kind": dict(Counter(ds["kind"])) if len(ds) else {}}
