"""Sandboxed execution of untrusted code (see ``base.py`` for the interface, ``docs/execution.md``).

Build an executor from its config group (``executor``) with ``build_executor(cfg)``, or by name with
``make_executor("forkserver", timeout=2.0)``. Every executor class takes its typed schema
(``ForkserverExecutor(cfg: ForkserverConfig)``). Executor modules are imported lazily so that importing
``codeio.execution.base`` stays cheap.
"""

from __future__ import annotations

import importlib
from dataclasses import is_dataclass
from typing import Any

from codeio.execution.base import Call, CallResult, Executor, Job, JobResult, canonical_json

__all__ = ["Call", "CallResult", "Executor", "Job", "JobResult", "build_executor", "canonical_json",
           "make_executor"]


def _schema_for(target: str | None) -> type:
    from codeio.execution.config import EXECUTOR_CONFIGS

    for schema in EXECUTOR_CONFIGS.values():
        if schema._target_ == target:
            return schema
    raise ValueError(f"executor._target_ {target!r} is not a known executor; choose one of "
                     f"{sorted(s._target_ for s in EXECUTOR_CONFIGS.values())}")


def build_executor(cfg: Any) -> Executor:
    """The executor described by ``cfg``: a schema dataclass, or a DictConfig / dict with ``_target_``
    (checked against the schema: an unknown key or a bad value fails here, naming it)."""
    from omegaconf import OmegaConf

    if not (is_dataclass(cfg) and not isinstance(cfg, type)):
        data = OmegaConf.to_container(cfg, resolve=True) if not isinstance(cfg, dict) else dict(cfg)
        schema = _schema_for(data.get("_target_"))
        cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), data))
    module, _, name = cfg._target_.rpartition(".")
    executor = getattr(importlib.import_module(module), name)(cfg)
    if not isinstance(executor, Executor):
        raise TypeError(f"executor config built {type(executor).__name__}, not an Executor")
    return executor


def make_executor(name: str = "forkserver", **options: Any) -> Executor:
    """Build an executor by name (``forkserver``, ``subprocess``, ``bwrap``, ``docker``) with options."""
    from codeio.execution.config import EXECUTOR_CONFIGS

    if name not in EXECUTOR_CONFIGS:
        raise ValueError(f"unknown executor {name!r}; choose from {sorted(EXECUTOR_CONFIGS)}")
    return build_executor(EXECUTOR_CONFIGS[name](**options))
