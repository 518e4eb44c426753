"""Runs the selected stages in order, with content-addressed caching, resume and shards.

The stages come in as an ordered registry (``codeio.stages.STAGES``), so this module depends on the
``Stage`` interface only, never on a particular stage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Any

import datasets
from tqdm.auto import tqdm

from codeio.pipeline.stage import Stage, Upstream
from codeio.pipeline.store import StageStore, save_rows, write_json_atomic
from codeio.pipeline.summary import format_summary

log = logging.getLogger(__name__)
datasets.disable_progress_bars()  # the stage's own bar says how far it is


class PipelineError(RuntimeError):
    """A problem the user must fix (missing upstream output, bad stage name, ...)."""


def global_rank() -> int:
    """This process's rank in a multi-process (multi-GPU) launch; 0 when launched alone.

    On SLURM every task runs the whole pipeline; only rank 0 writes shared files (stage outputs, the
    summary), the others take part in the distributed training and stop after it."""
    for var in ("RANK", "SLURM_PROCID"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return 0


class Pipeline:
    """``cfg``: the typed root config (``codeio.config.CodeioConfig``); ``registry``: the stage classes in
    data-flow order (``codeio.stages.STAGES``)."""

    def __init__(self, cfg: Any, run_dir: Path, registry: Sequence[type[Stage]]):
        self.cfg = cfg
        self.rank = global_rank()
        self.run_dir = Path(run_dir)
        self.cache_root = Path(cfg.cache.dir).expanduser().resolve()
        self.order = [cls.name for cls in registry]
        self.stages: dict[str, Stage] = {cls.name: cls(cfg) for cls in registry}
        self.selected = self._selected_stages(list(cfg.stages))
        self._keys: dict[str, str] = {}

    def _selected_stages(self, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in self.order]
        if unknown:
            raise PipelineError(f"stages: unknown stage(s) {unknown}; choose from {self.order}")
        return [n for n in self.order if n in names]

    # -- keys --------------------------------------------------------------------------------------
    def key(self, name: str) -> str:
        if name not in self._keys:
            stage = self.stages[name]
            material = {
                "stage": name,
                "version": stage.version,
                "config": stage.key_config(),
                "inputs": {up: self.key(up) for up in stage.inputs()},
                "chunk_size": self.cfg.cache.chunk_size if stage.chunked else None,
            }
            text = json.dumps(material, sort_keys=True, default=str)
            self._keys[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
        return self._keys[name]

    def store(self, name: str) -> StageStore:
        return StageStore(self.cache_root, name, self.key(name))

    # -- run ---------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Every start-up check of the selected stages, before any of them runs."""
        for name in self.selected:
            stage = self.stages[name]
            for group in stage.required_groups():
                if getattr(self.cfg, group, None) is None:
                    raise PipelineError(f"stage {name!r} needs the config group {group!r}: "
                                        f"add e.g. {group}=default")
            stage.validate()
            self.key(name)
        for name in self.selected:  # inputs this run will not produce must already be cached
            for up in self.stages[name].inputs():
                if up not in self.selected and not self.store(up).is_done():
                    raise PipelineError(self._missing_input(name, up))

    def _missing_input(self, name: str, up: str) -> str:
        return (f"stage {name!r} needs the output of {up!r} (key {self.key(up)}), which is not in the cache "
                f"at {self.cache_root}. Run it first, e.g. add {up!r} to stages=[...], or finish its shards "
                "and run the merge.")

    def run(self) -> dict[str, Any]:
        """Run the selected stages; call ``validate()`` first to fail fast on configuration errors."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        summary: dict[str, Any] = {"run_dir": str(self.run_dir), "cache_dir": str(self.cache_root),
                                   "stages": {}}
        shard = self.cfg.shard
        for name in self.selected:
            if self.rank != 0:
                if not self.stages[name].distributed:
                    self._wait_for(name)  # rank 0 runs it; this rank only needs its output
                    continue
                self._run_stage(name, summary["stages"])
                log.info("rank %d: stage %s done; rank 0 writes outputs and runs what follows", self.rank, name)
                return summary
            report = self._run_stage(name, summary["stages"])
            summary["stages"][name] = report
            self._write_summary(summary)
            if report.get("status") == "shard_partial":
                log.info("stage %s: shard %d/%d done; later stages wait for the merge run",
                         name, shard.index, shard.count)
                break
        if self.rank != 0:
            return summary
        self._write_summary(summary)
        report = format_summary(summary, {name: stage.artifacts for name, stage in self.stages.items()})
        (self.run_dir / "report.md").write_text(f"# codeio run: {self.cfg.name}\n\n```\n{report}\n```\n")
        print(report)
        return summary

    def _wait_for(self, name: str, poll_s: float = 5.0) -> None:
        store = self.store(name)
        while not store.is_done():
            time.sleep(poll_s)

    def _upstream_reports(self, name: str, so_far: dict[str, Any]) -> dict[str, Any]:
        """Reports of all stages before ``name``: from this run, else from their cache entries."""
        reports = {}
        for up in self.order[:self.order.index(name)]:
            if up in so_far:
                reports[up] = so_far[up]
            elif up in self.stages:
                try:
                    store = self.store(up)
                except Exception:  # a stage whose key cannot be computed here (not configured)
                    continue
                if store.is_done():
                    reports[up] = store.report()
        return reports

    def _write_summary(self, summary: dict[str, Any]) -> None:
        write_json_atomic(self.run_dir / "summary.json", summary)

    def _run_stage(self, name: str, so_far: dict[str, Any]) -> dict[str, Any]:
        stage, store = self.stages[name], self.store(name)
        sharded = self.cfg.shard.count > 1
        if self.cfg.cache.refresh and not sharded and store.dir.exists():
            log.info("stage %s: cache.refresh=true, discarding %s", name, store.dir)
            store.clear()
        if store.is_done():
            report = dict(store.report(), cache="hit")
            self._link_output(name, store)
            return report
        for up in stage.inputs():
            if not self.store(up).is_done():
                raise PipelineError(self._missing_input(name, up))
        started = time.perf_counter()
        resumed = bool(store.committed_chunks())
        with ExitStack() as resources:  # the one place where executors and teachers are closed
            stage.open(store.dir / "work", resources)
            if stage.chunked:
                report = self._run_chunked(stage, store)
            else:
                report = self._run_whole(stage, store, self._upstream_reports(name, so_far))
        report["seconds"] = round(time.perf_counter() - started, 3)
        report["cache"] = "resumed" if resumed else "miss"
        if report.get("status") == "done":
            self._link_output(name, store)
            write_json_atomic(store.done_path, {k: v for k, v in report.items() if k != "cache"})
        return report

    # -- chunked stages ----------------------------------------------------------------------------
    def _upstream_chunks(self, stage: Stage) -> tuple[Iterator[list[dict]], int | None]:
        size = self.cfg.cache.chunk_size
        ups = stage.inputs()
        if not ups:
            items = stage.source_items()
            assert items is not None, f"stage {stage.name} has neither inputs nor source items"
            return _batched(items, size), None
        ds = self.store(ups[0]).load()
        total = len(ds)

        def chunks() -> Iterator[list[dict]]:
            for start in range(0, total, size):
                batch = ds[start:start + size]
                cols = list(batch)
                n = len(batch[cols[0]]) if cols else 0
                yield [{c: batch[c][i] for c in cols} for i in range(n)]

        return chunks(), total

    def _run_chunked(self, stage: Stage, store: StageStore) -> dict[str, Any]:
        shard = self.cfg.shard
        done = set(store.committed_chunks())
        chunks, total_rows = self._upstream_chunks(stage)
        n_chunks_known = None if total_rows is None else math.ceil(total_rows / self.cfg.cache.chunk_size)
        bar = tqdm(total=total_rows, desc=stage.name, unit="row", disable=not self.cfg.progress)
        n_chunks = 0
        for index, rows in enumerate(chunks):
            n_chunks = index + 1
            if index % shard.count != shard.index or index in done:
                bar.update(len(rows))
                continue
            t0 = time.perf_counter()
            out = stage.process(rows)
            store.commit_chunk(index, out.rows, out.rejected, len(rows), time.perf_counter() - t0, out.counts)
            bar.update(len(rows))
        bar.close()
        n_chunks = n_chunks if n_chunks_known is None else n_chunks_known
        committed = set(store.committed_chunks())
        missing = [i for i in range(n_chunks) if i not in committed]
        if missing:
            return {"status": "shard_partial", "key": store.key, "chunks": n_chunks,
                    "chunks_missing": len(missing), "shard": {"index": shard.index, "count": shard.count}}
        return self._finalize_chunked(stage, store, n_chunks)

    def _finalize_chunked(self, stage: Stage, store: StageStore, n_chunks: int) -> dict[str, Any]:
        rejected: Counter = Counter()
        counts: Counter = Counter()
        rows_in = 0

        def committed_rows() -> Iterator[dict]:
            nonlocal rows_in
            for index in range(n_chunks):
                chunk = store.read_chunk(index)
                rows_in += chunk["rows_in"]
                rejected.update(chunk["rejected"])
                counts.update(chunk.get("counts") or {})
                yield from chunk["rows"]

        staging = store.staging_dir()
        rows_out = save_rows(stage.finalize(committed_rows(), rejected), staging, stage.features())
        ds = _load(staging)
        stats = stage.stats(ds)
        if counts:
            stats["counts"] = dict(sorted(counts.items()))
        report = {"status": "done", "key": store.key, "rows_in": rows_in, "rows_out": rows_out,
                  "rejected": dict(sorted(rejected.items())), "stats": stats, "chunks": n_chunks}
        store.publish(staging, report)
        return report

    # -- whole stages ------------------------------------------------------------------------------
    def _run_whole(self, stage: Stage, store: StageStore, reports: dict[str, Any]) -> dict[str, Any]:
        inputs = {up: self.store(up).load() for up in stage.inputs()}
        upstream = Upstream(data=inputs, dirs={up: self.store(up).data_dir for up in stage.inputs()},
                            reports=reports)
        staging = store.staging_dir()
        try:
            out = stage.run_whole(upstream, staging)
            if self.rank != 0:  # another rank of a distributed stage: rank 0 publishes the result
                shutil.rmtree(staging, ignore_errors=True)
                return {"status": "rank_nonzero", "key": store.key}
            rows_out = save_rows(out.rows, staging, stage.features())
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        rows_in = out.rows_in if out.rows_in is not None else (
            len(next(iter(inputs.values()))) if inputs else 0)
        report = {"status": "done", "key": store.key, "rows_in": rows_in, "rows_out": rows_out,
                  "rejected": dict(sorted(out.rejected.items())), "stats": out.stats}
        store.publish(staging, report)
        return report

    # -- run directory -----------------------------------------------------------------------------
    def _link_output(self, name: str, store: StageStore) -> None:
        """Expose the cached output as ``<run_dir>/stages/<name>/`` (hard links: instant, no copy)."""
        target = self.run_dir / "stages" / name
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)

        def link(src: str, dst: str) -> None:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

        shutil.copytree(store.data_dir, target, copy_function=link)


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _load(path: Path):
    import datasets

    return datasets.load_from_disk(str(path))
