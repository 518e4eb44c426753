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


# How a teacher is reached or run, never what it answers: a sweep point that only moves the endpoint or
# changes the parallelism keeps its cached stage outputs. (Model, sampling and timeouts do count.)
TEACHER_TRANSPORT_FIELDS = frozenset({
    "base_url", "api_key_env", "allow_missing_key", "max_concurrency", "connect_timeout", "max_retries",
    "backoff_initial", "backoff_max", "client", "tensor_parallel_size", "gpu_memory_utilization",
    "batch_size", "enable_prefix_caching", "device", "cache_failures",
})


def teacher_key(cfg: DictConfig) -> dict[str, Any]:
    """Teacher settings that change responses (endpoints, keys, concurrency do not)."""
    teacher = semantic_config(cfg.teacher)
    key = {"teacher": {k: v for k, v in teacher.items() if k not in TEACHER_TRANSPORT_FIELDS}}
    if teacher_needs_executor(cfg):
        key["executor"] = semantic_config(cfg.executor)
    return key


def require(cfg: DictConfig, group: str, stage: str) -> None:
    if cfg.get(group) is None:
        raise ValueError(f"stage {stage!r} needs the config group {group!r}: add e.g. {group}=default")
