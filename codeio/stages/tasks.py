"""``tasks``: pairs -> input- and output-prediction prompts."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import Task
from codeio.schema import build, output_settings


class TasksStage(Stage):
    name = "tasks"
    version = "2"  # 2: Task rows carry the query and I/O description (issue #17 item 7)
    record = Task
    groups = ("prompt",)

    def inputs(self) -> list[str]:
        return ["sample"]

    def key_config(self) -> dict[str, Any]:
        return {"prompt": output_settings(self.cfg.prompt)}

    def validate(self) -> None:
        build(self.cfg.prompt)  # a missing or malformed template file fails here

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.builder = build(self.cfg.prompt)

    def process(self, rows: list[dict]) -> ChunkOutput:
        tasks, rejected = self.builder.process(rows)
        return ChunkOutput(tasks, rejected)

    def stats(self, ds) -> dict[str, Any]:
        return {"tasks_by_kind": dict(Counter(ds["kind"])) if len(ds) else {}}
