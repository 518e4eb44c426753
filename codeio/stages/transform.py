"""``transform``: raw code -> unified functions (LLM rewrite), or validation of pre-unified corpora."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import Function
from codeio.schema import build, component_class, output_settings
from codeio.stages.common import build_executor, build_teacher, teacher_key


class TransformStage(Stage):
    name = "transform"
    version = "2"  # 2: the rewrite prompt asks for string formats and moderate numbers (issue #17 item 11)
    record = Function
    groups = ("source", "transform", "executor")

    def inputs(self) -> list[str]:
        return ["collect"]

    def rewrites(self) -> bool:
        """Whether the source yields raw code, which the LLM rewrites (importers yield unified rows)."""
        return not component_class(self.cfg.source).yields_unified(self.cfg.source)

    def required_groups(self) -> tuple[str, ...]:
        return (*self.groups, "teacher") if self.rewrites() else self.groups

    def key_config(self) -> dict[str, Any]:
        key = {"transform": output_settings(self.cfg.transform), "executor": output_settings(self.cfg.executor)}
        if self.rewrites():
            key.update(teacher_key(self.cfg))
        return key

    def validate(self) -> None:
        if self.rewrites() and not component_class(self.cfg.teacher).writes_code:
            raise ValueError(
                f"the source {self.cfg.source.name!r} holds raw code, which the transform rewrites "
                "with an LLM; the configured teacher cannot write code. Use an LLM teacher "
                "(teacher=openai teacher.base_url=... or teacher=vllm) or an already unified source "
                "(source=bundled with source.form=unified, source=unified, source=reasoning_gym).")

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.executor = build_executor(self.cfg, resources)
        self.transformer = build(self.cfg.transform)
        self.teacher = build_teacher(self.cfg, resources) if self.rewrites() else None

    def process(self, rows: list[dict]) -> ChunkOutput:
        sampling = self.cfg.teacher.sampling if self.teacher is not None else None
        functions, rejected = self.transformer.process(rows, self.executor, self.teacher, sampling)
        return ChunkOutput(functions, rejected)
