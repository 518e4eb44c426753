"""What several stages share: building the executor and the teacher from the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from codeio.pipeline.stage import semantic_config


def build_executor(cfg: DictConfig):
    from codeio.execution import build_executor as _build

    return _build(cfg.executor)


def teacher_needs_executor(cfg: DictConfig) -> bool:
    return bool(cfg.teacher is not None and cfg.teacher.get("needs_executor", False))


def build_teacher(cfg: DictConfig, executor=None):
    """The configured teacher wrapped in the persistent response cache, and its sampling settings."""
    from codeio.teachers import build_teacher as _build

    cache_dir = Path(cfg.cache.dir).expanduser() / "responses"
    return _build(cfg.teacher, cache_dir=cache_dir, executor=executor)


def teacher_key(cfg: DictConfig) -> dict[str, Any]:
    """Teacher settings that change responses (endpoints, keys, concurrency do not)."""
    key = {"teacher": semantic_config(cfg.teacher)}
    if teacher_needs_executor(cfg):
        key["executor"] = semantic_config(cfg.executor)
    return key


def require(cfg: DictConfig, group: str, stage: str) -> None:
    if cfg.get(group) is None:
        raise ValueError(f"stage {stage!r} needs the config group {group!r}: add e.g. {group}=default")
