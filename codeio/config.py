"""The root config schema and the registration of every group's schemas in Hydra's ConfigStore.

Each YAML option under ``conf/<group>/`` starts from a dataclass schema registered here (its
``defaults`` list names ``<name>_schema``, or a sibling option it extends) and lists only the values
that differ from the schema's defaults, so a misspelt key or a value of the wrong type stops the run at
start-up with a message naming the key, before any stage starts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from codeio.shared_data import shared_data_path
from codeio.sources.config import CollectConfig
from codeio.stages import STAGE_NAMES

PACKAGE_DIR = Path(__file__).resolve().parent


def schema_modules() -> list[str]:
    """Every ``codeio/**/config.py`` (light modules that define ``SCHEMAS = {group: {name: dataclass}}``):
    a component package registers its schemas just by having one."""
    files = sorted(PACKAGE_DIR.glob("*/**/config.py"))
    return [".".join(("codeio", *f.relative_to(PACKAGE_DIR).with_suffix("").parts)) for f in files]


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
    """Which shard this process runs: chunks ``i`` with ``i % count == index``."""
    count: int = 1
    """Number of shards; 1 = the whole stage (and, after sharded runs, the merge)."""

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard.index must be in [0, shard.count); got index={self.index}, "
                             f"count={self.count}")


@dataclass
class CodeioConfig:
    name: str = "quickstart"
    """Experiment name: used in run directory names and reports."""
    stages: list[str] = field(default_factory=lambda: list(STAGE_NAMES))
    """Which stages to run, any subset of the registry ``codeio.stages.STAGES``: collect, transform,
    sample, tasks, respond, verify, revise, assemble, train, evaluate. Missing upstream outputs must
    already be in the cache."""
    progress: bool = field(default=True, metadata={"affects_output": False})
    """Show a progress bar per stage."""
    cache: CacheConfig = field(default_factory=CacheConfig)
    """Where stage outputs are kept and how they are committed."""
    shard: ShardConfig = field(default_factory=ShardConfig)
    """This process's share of the chunked stages (SLURM arrays)."""
    collect: CollectConfig = field(default_factory=CollectConfig)
    """Filters every source goes through."""
    # One config group per swappable part (conf/<group>/): each holds the chosen option's schema.
    source: Any = MISSING
    """Where raw code comes from (``collect``)."""
    transform: Any = None
    """Raw code -> unified functions (``transform``)."""
    sampler: Any = None
    """Functions -> input/output pairs (``sample``)."""
    executor: Any = None
    """The sandbox every piece of generated code runs in."""
    prompt: Any = None
    """Pairs -> prediction prompts (``tasks``)."""
    teacher: Any = None
    """Who answers the prompts (``respond``, ``revise``, LLM rewrites in ``transform``)."""
    verifier: Any = None
    """How answers are checked and what feedback they get (``verify``, ``revise``)."""
    revision: Any = None
    """How many feedback-and-retry turns a wrong answer gets (``revise``)."""
    dataset: Any = None
    """Which samples to keep and in which shape (``assemble``)."""
    model: Any = None
    """The model to fine-tune (``train``)."""
    trainer: Any = None
    """How to fine-tune it (``train``)."""
    eval: Any = None
    """What to score the checkpoints on (``evaluate``)."""


def register_configs() -> None:
    """Register every schema with Hydra and the ``codeio.shared_data`` resolver with OmegaConf."""
    if not OmegaConf.has_resolver("codeio.shared_data"):
        OmegaConf.register_new_resolver("codeio.shared_data", shared_data_path)
    cs = ConfigStore.instance()
    cs.store(name="codeio_schema", node=CodeioConfig)
    for module_name in schema_modules():
        module = importlib.import_module(module_name)
        for group, schemas in getattr(module, "SCHEMAS", {}).items():
            for name, node in schemas.items():
                cs.store(group=group, name=name, node=node)
