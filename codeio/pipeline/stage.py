"""What a stage is: class-level declarations, the config it depends on, and one lifecycle.

Declarations (class attributes, read by the runner without building anything): ``name``, ``version``,
``chunked``, ``record``, ``distributed``, ``groups`` (config groups it always needs) and ``artifacts``
(files beside its dataset that the end-of-run report points at).

Lifecycle, driven by ``codeio.pipeline.runner.Pipeline``:

1. ``required_groups()`` and ``validate()`` before any stage runs: checks only, nothing is kept;
2. ``key_config()``: the settings that determine the output (``codeio.schema.output_settings``);
3. ``open(work_dir, resources)``: build the components; everything that needs closing (executors,
   teachers) is entered into ``resources``, which the runner closes whatever happens;
4. chunked stages (``chunked = True``): ``process(rows)`` per chunk of upstream rows, committed
   atomically (resume after a kill, shards), then ``finalize`` and ``stats`` over all rows;
   whole stages (``chunked = False``: assemble, train, evaluate): ``run_whole(upstream, out_dir)`` with
   the upstream datasets, their directories and reports passed in, published atomically when complete.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # datasets is imported lazily: the stage registry is read when configs are composed
    import datasets


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


@dataclass
class Upstream:
    """What a whole stage receives from the stages before it."""

    data: dict[str, datasets.Dataset]
    """Output dataset of each stage named by ``inputs()``."""
    dirs: dict[str, Path]
    """The directory of each of those outputs: the dataset plus the files the stage wrote beside it."""
    reports: dict[str, dict[str, Any]]
    """Summary report of every earlier stage that ran or is cached (rejections, statistics)."""


class Stage:
    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    """Bump when the stage's code changes what it produces: old cache entries then stop matching."""
    chunked: ClassVar[bool] = True
    record: ClassVar[type | None] = None
    """Dataclass of the output rows (pins the Arrow schema); None = infer."""
    distributed: ClassVar[bool] = False
    """Run by every rank of a multi-process launch (training); other stages run on rank 0 only."""
    groups: ClassVar[tuple[str, ...]] = ()
    """Config groups this stage always needs; ``required_groups`` adds the ones its settings call for."""
    artifacts: ClassVar[tuple[tuple[str, str], ...]] = ()
    """``(label, path under stages/<name>/)`` of the files users look for, listed in the run report."""

    def __init__(self, cfg: Any):
        self.cfg = cfg
        """The typed root config (``codeio.config.CodeioConfig``)."""

    # -- identity --------------------------------------------------------------------------------
    def inputs(self) -> list[str]:
        """Names of the stages whose outputs this stage reads (the first is the one it iterates)."""
        return []

    def required_groups(self) -> tuple[str, ...]:
        """Config groups that must be set for this run of the stage (checked before ``validate``)."""
        return self.groups

    def key_config(self) -> dict[str, Any]:
        """The settings that determine this stage's output (build it with ``output_settings``)."""
        return {}

    # -- lifecycle -------------------------------------------------------------------------------
    def validate(self) -> None:
        """Fail fast, before any stage runs, on settings this stage cannot work with. Checks only:
        anything built here to check it is dropped; ``open`` builds what the run uses."""

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        """Build components just before processing; enter those that need closing into ``resources``.
        ``work_dir`` is stable across attempts (a resumed run finds what a killed one left there)."""

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

    def run_whole(self, upstream: Upstream, out_dir: Path) -> WholeOutput:
        raise NotImplementedError

    def features(self) -> datasets.Features | None:
        return features_for(self.record) if self.record is not None else None


def features_for(record: type) -> datasets.Features:
    """Arrow features for a records dataclass (str/int/float/bool, optional, list of those)."""
    import datasets

    hints = typing.get_type_hints(record)
    return datasets.Features({f.name: _feature(hints[f.name]) for f in dataclasses.fields(record)})


_SCALARS = {str: "string", int: "int64", float: "float64", bool: "bool"}


def _feature(tp: Any):
    import datasets

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
