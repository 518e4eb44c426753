"""``transform``: raw code -> unified functions (LLM rewrite), or validation of pre-unified corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.utils import instantiate

from codeio.pipeline.stage import ChunkOutput, Stage, semantic_config
from codeio.records import Function
from codeio.stages.common import build_executor, build_teacher, require, teacher_key, teacher_needs_executor


class TransformStage(Stage):
    name = "transform"
    version = "1"
    record = Function

    def inputs(self) -> list[str]:
        return ["collect"]

    def _needs_llm(self) -> bool:
        return not bool(self.cfg.source.get("pre_unified", False))

    def key_config(self) -> dict[str, Any]:
        key = {"transform": semantic_config(self.cfg.transform), "executor": semantic_config(self.cfg.executor)}
        if self._needs_llm():
            key.update(teacher_key(self.cfg))
        return key

    def validate(self) -> None:
        require(self.cfg, "transform", self.name)
        require(self.cfg, "executor", self.name)
        if self._needs_llm():
            require(self.cfg, "teacher", self.name)
            if teacher_needs_executor(self.cfg):
                raise ValueError(
                    f"source={self.cfg.source.get('name')} holds raw code, which the transform rewrites "
                    "with an LLM; the configured teacher cannot write code. Use an LLM teacher "
                    "(teacher=openai teacher.base_url=... or teacher=vllm) or an already unified source "
                    "(source=bundled, source=unified, source=reasoning_gym).")

    def open(self, work_dir: Path) -> None:
        self.executor = build_executor(self.cfg)
        self.transformer = instantiate(self.cfg.transform)
        self.teacher, self.sampling = (build_teacher(self.cfg) if self._needs_llm() else (None, None))

    def close(self) -> None:
        for thing in (getattr(self, "teacher", None), getattr(self, "executor", None)):
            if thing is not None:
                thing.close()

    def process(self, rows: list[dict]) -> ChunkOutput:
        functions, rejected = self.transformer.process(rows, self.executor, self.teacher, self.sampling)
        return ChunkOutput(functions, rejected)
