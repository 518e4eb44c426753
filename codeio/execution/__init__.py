"""Sandboxed execution of untrusted code (see ``base.py`` for the interface).

Build an executor from its config group (``executor``) with ``build_executor(cfg)``, or by name with
``make_executor("forkserver", timeout=2.0)``. Executor modules are imported lazily so that importing
``codeio.execution.base`` stays cheap.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import Any

from codeio.execution.base import Call, CallResult, Executor, Job, JobResult, canonical_json

__all__ = ["Call", "CallResult", "Executor", "Job", "JobResult", "build_executor", "canonical_json",
           "make_executor"]


def build_executor(cfg: Any) -> Executor:
    """Instantiate the executor described by ``cfg`` (a DictConfig, dict or schema dataclass with
    ``_target_``) through ``hydra.utils.instantiate``."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    if is_dataclass(cfg) and not isinstance(cfg, type):
        cfg = OmegaConf.structured(cfg)
    elif isinstance(cfg, dict):
        cfg = OmegaConf.create(cfg)
    executor = instantiate(cfg, _convert_="all")
    if not isinstance(executor, Executor):
        raise TypeError(f"executor config built {type(executor).__name__}, not an Executor")
    return executor


def make_executor(name: str = "forkserver", **options: Any) -> Executor:
    """Build an executor by name (``forkserver``, ``subprocess``, ``bwrap``, ``docker``) with options."""
    from codeio.execution.config import EXECUTOR_CONFIGS

    if name not in EXECUTOR_CONFIGS:
        raise ValueError(f"unknown executor {name!r}; choose from {sorted(EXECUTOR_CONFIGS)}")
    return build_executor(EXECUTOR_CONFIGS[name](**options))
