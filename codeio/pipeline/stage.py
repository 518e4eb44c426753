"""What a stage is: a name, a code version, the config it depends on, and how it processes rows.

Two shapes:
- chunked stages (``chunked = True``) map chunks of upstream rows to output rows. The runner commits
  each chunk atomically, so they resume after a kill and can be spread over shards;
- whole stages (``chunked = False``: assemble, train, evaluate) need all their input at once; they
  build their output in a private directory that is published atomically when complete.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
from omegaconf import DictConfig, OmegaConf

# Config fields that change how fast a stage runs but never what it produces: left out of cache keys so
# that, say, more workers or more requests in flight still hit the cache.
NON_SEMANTIC_FIELDS = frozenset({
    "workers", "max_concurrency", "num_workers", "progress", "log_every", "batch_size_hint",
    "request_timeout", "max_retries", "api_key_env", "base_url",
})


def semantic_config(node: Any) -> Any:
    """A plain, resolved copy of a config node without the fields that do not change results."""
    if node is None:
        return None
    if isinstance(node, DictConfig):
        node = OmegaConf.to_container(node, resolve=True)
    if isinstance(node, dict):
        return {k: semantic_config(v) for k, v in sorted(node.items()) if k not in NON_SEMANTIC_FIELDS}
    if isinstance(node, list):
        return [semantic_config(v) for v in node]
    return node


@dataclass
class ChunkOutput:
    rows: list[dict[str, Any]]
    rejected: Counter = field(default_factory=Counter)
    """Input rows dropped, by reason (they sum to rows in minus rows out for 1:1 stages)."""
    counts: Counter = field(default_factory=Counter)
    """Other events worth reporting (e.g. the sampler's per-call outcomes); summed over chunks into
    ``stats.counts`` in the summary."""


@dataclass
class WholeOutput:
    """Result of a whole stage: rows for ``data/`` (may be empty), rejections and stage statistics.
    Artifacts (files, plots, models) are written by the stage directly into the given output dir."""

    rows: list[dict[str, Any]]
    rejected: Counter = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)
    rows_in: int | None = None


class Stage:
    name: str = ""
    version: str = "1"
    """Bump when the stage's code changes what it produces: old cache entries then stop matching."""
    chunked: bool = True
    record: type | None = None
    """Dataclass of the output rows (pins the Arrow schema); None = infer."""
    distributed: bool = False
    """Run by every rank of a multi-process launch (training); other stages run on rank 0 only."""

    def __init__(self, cfg: DictConfig):
        self.cfg = cfg
        self.upstream_reports: dict[str, dict[str, Any]] = {}
        """Reports of every stage that ran (or hit the cache) before this one, by stage name."""
        self.input_dirs: dict[str, Path] = {}
        """Whole stages: the cache directories of their inputs (datasets plus the files beside them)."""

    # -- identity --------------------------------------------------------------------------------
    def inputs(self) -> list[str]:
        """Names of the stages whose outputs this stage reads (the first is the one it iterates)."""
        return []

    def key_config(self) -> dict[str, Any]:
        """The resolved configuration that determines this stage's output."""
        return {}

    # -- execution -------------------------------------------------------------------------------
    def validate(self) -> None:
        """Fail fast, before any stage runs, on settings this stage cannot work with."""

    def open(self, work_dir: Path) -> None:
        """Build components (executor, teacher, ...) just before processing."""

    def close(self) -> None:
        """Release what ``open`` built."""

    def source_items(self) -> Iterator[Any] | None:
        """For stages without an upstream stage (collect): the items to chunk."""
        return None

    def process(self, rows: list[dict[str, Any]]) -> ChunkOutput:
        raise NotImplementedError

    def finalize(self, rows: Iterable[dict[str, Any]], rejected: Counter) -> Iterator[dict[str, Any]]:
        """Chunked stages: a streaming pass over all committed rows in order (e.g. global dedup).
        Rejections found here are added to ``rejected``."""
        yield from rows

    def stats(self, ds: datasets.Dataset) -> dict[str, Any]:
        """Stage statistics for the summary, computed from the finalized output."""
        return {}

    def run_whole(self, inputs: dict[str, datasets.Dataset], out_dir: Path) -> WholeOutput:
        raise NotImplementedError

    def features(self) -> datasets.Features | None:
        return features_for(self.record) if self.record is not None else None


def features_for(record: type) -> datasets.Features:
    """Arrow features for a records dataclass (str/int/float/bool, optional, list of those)."""
    hints = typing.get_type_hints(record)
    out = {}
    for f in dataclasses.fields(record):
        out[f.name] = _feature(hints[f.name])
    return datasets.Features(out)


_SCALARS = {str: "string", int: "int64", float: "float64", bool: "bool"}


def _feature(tp: Any):
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _feature(args[0])
        return datasets.Value("string")
    if origin is list:
        (inner,) = typing.get_args(tp) or (str,)
        return datasets.Sequence(_feature(inner))
    if tp in _SCALARS:
        return datasets.Value(_SCALARS[tp])
    raise TypeError(f"no Arrow feature for {tp!r}; store it as JSON text in a *_json field")
