"""The root config schema and the registration of every group's schemas in Hydra's ConfigStore.

Each YAML option under ``conf/<group>/`` starts from a dataclass schema registered here (its
``defaults`` list names ``<option>_schema``), so a misspelt key or a value of the wrong type stops the
run at start-up with a message naming the key, before any stage starts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from codeio.sources.config import CollectConfig

ALL_STAGES = ["collect", "transform", "sample", "tasks", "respond", "verify", "revise", "assemble", "train",
              "evaluate"]

# Modules that define ``SCHEMAS = {group: {name: dataclass}}``. Light modules only.
SCHEMA_MODULES = (
    "codeio.sources.config",
    "codeio.sources.config_importers",
    "codeio.execution.config",
    "codeio.teachers.config",
    "codeio.teachers.trace.config",
    "codeio.transform.config",
    "codeio.sampling.config",
    "codeio.tasks.config",
    "codeio.verify.config",
    "codeio.stages.config",
    "codeio.assemble.config",
    "codeio.train.config",
    "codeio.eval.config",
)


@dataclass
class CacheConfig:
    dir: str = "${oc.env:CODEIO_CACHE_DIR,${hydra:runtime.cwd}/outputs/cache}"
    """Where stage outputs live, addressed by content key. Share it between runs (and between the
    nodes of a cluster) so sweep points reuse each other's upstream stages."""
    refresh: bool = False
    """Recompute the selected stages even when their output is cached."""
    chunk_size: int = 256
    """Rows per atomic commit. A kill loses at most one chunk in progress per process."""

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError("cache.chunk_size must be >= 1")


@dataclass
class ShardConfig:
    """Spread chunked stages over N processes (SLURM array jobs); a later plain run merges."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard.index must be in [0, shard.count); got index={self.index}, "
                             f"count={self.count}")


@dataclass
class CodeioConfig:
    name: str = "quickstart"
    """Experiment name: used in run directory names and reports."""
    stages: list[str] = field(default_factory=lambda: list(ALL_STAGES))
    """Which stages to run, any subset of: collect, transform, sample, tasks, respond, verify, revise,
    assemble, train, evaluate. Missing upstream outputs must already be in the cache."""
    seed: int = 0
    progress: bool = True
    """Show a progress bar per stage."""
    cache: CacheConfig = field(default_factory=CacheConfig)
    shard: ShardConfig = field(default_factory=ShardConfig)
    collect: CollectConfig = field(default_factory=CollectConfig)
    source: Any = MISSING
    transform: Any = None
    sampler: Any = None
    executor: Any = None
    prompt: Any = None
    teacher: Any = None
    verifier: Any = None
    revision: Any = None
    dataset: Any = None
    model: Any = None
    trainer: Any = None
    eval: Any = None

    def __post_init__(self) -> None:
        unknown = [s for s in self.stages if s not in ALL_STAGES]
        if unknown:
            raise ValueError(f"stages: unknown stage(s) {unknown}; choose from {ALL_STAGES}")


def register_configs() -> None:
    cs = ConfigStore.instance()
    cs.store(name="codeio_schema", node=CodeioConfig)
    for module_name in SCHEMA_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and module_name.startswith(err.name):
                continue  # component not present in this build
            raise
        for group, schemas in module.SCHEMAS.items():
            for name, node in schemas.items():
                cs.store(group=group, name=name, node=node)
