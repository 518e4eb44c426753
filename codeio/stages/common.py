"""What several stages share: building the executor and the teacher, and the teacher's part of a key."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.schema import component_class, output_settings


def build_executor(cfg: Any, resources: ExitStack):
    """The configured executor, closed with ``resources`` (the runner's, after the stage)."""
    from codeio.execution import build_executor as _build

    return resources.enter_context(_build(cfg.executor))


def teacher_needs_executor(cfg: Any) -> bool:
    """Whether the configured teacher runs code (the trace teacher), so it is handed the executor."""
    return bool(component_class(cfg.teacher).needs_executor)


def build_teacher(cfg: Any, resources: ExitStack, executor=None):
    """The configured teacher wrapped in the persistent response cache, closed with ``resources``."""
    from codeio.teachers import build_teacher as _build

    teacher, _ = _build(cfg.teacher, cache_dir=Path(cfg.cache.dir).expanduser() / "responses", executor=executor)
    return resources.enter_context(teacher)


def teacher_key(cfg: Any) -> dict[str, Any]:
    """The teacher settings that change responses (and the executor's, for a teacher that runs code)."""
    key = {"teacher": output_settings(cfg.teacher)}
    if teacher_needs_executor(cfg):
        key["executor"] = output_settings(cfg.executor)
    return key
