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
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from itertools import islice
from pathlib import Path
from typing import Any

import datasets
from tqdm.auto import tqdm

from codeio.pipeline.stage import Stage, StageFailed, Upstream
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
        self._terminated = False
        """SIGTERM came while running (``_noting_sigterm``): no chunk is committed any more."""

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
            }  # cache.chunk_size stays out: chunks are only units of commit (see _chunk_size)
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
            for group in stage.required_groups():
                _check_environment(group, getattr(self.cfg, group))
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
        with self._noting_sigterm():
            return self._run()

    @contextmanager
    def _noting_sigterm(self) -> Iterator[None]:
        """SLURM ends a job (scancel, preemption) with SIGTERM to every process of it, the sandbox's
        children included, then SIGKILL. Under submitit the main process carries on through SIGTERM, so
        a chunk finished after it may hold calls that died of it: note the signal, and commit nothing
        from then on (``_run_chunked``). Where SIGTERM would end the process anyway, it still does."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: Any) -> None:
            self._terminated = True
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _run(self) -> dict[str, Any]:
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
            later = self.selected[self.selected.index(name) + 1:]
            if report.get("status") == "done" and report.get("rows_out") == 0 and later:
                summary["stopped"] = _no_rows_message(name, report, later)  # ends the report below
                break
        if self.rank != 0:
            return summary
        self._write_summary(summary)
        report = format_summary(summary, {name: stage.artifacts for name, stage in self.stages.items()})
        if summary.get("stopped"):
            report = f"{report}\n\nSTOPPED: {summary['stopped']}"
        (self.run_dir / "report.md").write_text(f"# codeio run: {self.cfg.name}\n\n```\n{report}\n```\n")
        print(report)
        return summary

    def _wait_for(self, name: str, poll_s: float = 5.0) -> None:
        store = self.store(name)
        deadline = time.monotonic() + self.cfg.cache.wait_timeout
        while not store.is_done():
            if time.monotonic() > deadline:
                raise StageFailed(f"rank {self.rank}: waited {self.cfg.cache.wait_timeout:.0f} s for rank 0 to "
                                  f"finish stage {name!r} (cache.wait_timeout); rank 0 may have failed: see "
                                  "its log, then rerun")
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
        sharded = stage.chunked and self.cfg.shard.count > 1
        refresh = self.cfg.cache.refresh and not sharded
        if store.is_done() and not refresh:
            return self._cache_hit(name, store)
        with self._compute_lock(store, sharded):
            if refresh and store.dir.exists():
                log.info("stage %s: cache.refresh=true, discarding %s", name, store.dir)
                store.clear()
            if store.is_done():  # another process computed it while this one waited
                return self._cache_hit(name, store)
            return self._compute_stage(name, so_far)

    def _compute_lock(self, store: StageStore, sharded: bool):
        """Rank 0 speaks for its launch: the other ranks of a distributed stage join its work."""
        if self.rank != 0:
            return nullcontext()
        shard = self.cfg.shard
        return store.compute_lock((shard.index, shard.count) if sharded else None)

    def _cache_hit(self, name: str, store: StageStore) -> dict[str, Any]:
        started = time.perf_counter()
        report = store.report()
        self._link_output(name, store)
        # "seconds" is what this run spent; the original computation's time stays on record.
        return dict(report, cache="hit", seconds_computed=report.get("seconds"),
                    seconds=round(time.perf_counter() - started, 3))

    def _compute_stage(self, name: str, so_far: dict[str, Any]) -> dict[str, Any]:
        stage, store = self.stages[name], self.store(name)
        for up in stage.inputs():
            if not self.store(up).is_done():
                raise PipelineError(self._missing_input(name, up))
        started = time.perf_counter()
        # A resume: committed chunks, or what an interrupted attempt left in the stage's work dir
        # (the training checkpoints it continues from).
        work = store.dir / "work"
        resumed = bool(store.committed_chunks()) or (work.is_dir() and any(work.iterdir()))
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
            if "merged_by" not in report:  # only the process that published the entry writes its report
                write_json_atomic(store.done_path, {k: v for k, v in report.items() if k != "cache"})
        return report

    # -- chunked stages ----------------------------------------------------------------------------
    def _chunk_size(self, store: StageStore) -> int:
        """Rows per chunk for this entry: the size its first committed chunk was cut with (a resume or a
        shard must cut the same chunks), else ``cache.chunk_size``, recorded before the first commit."""
        recorded = store.recorded_chunk_size()
        if recorded is None:
            recorded = store.record_chunk_size(self.cfg.cache.chunk_size)
        elif recorded != self.cfg.cache.chunk_size:
            log.info("stage %s: resuming with the chunk size its committed chunks have (%d, not %d)",
                     store.stage, recorded, self.cfg.cache.chunk_size)
        return recorded

    def _upstream_chunks(self, stage: Stage, size: int) -> tuple[Iterator[list[dict]], int | None]:
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
        size = self._chunk_size(store)
        chunks, total_rows = self._upstream_chunks(stage, size)
        n_chunks_known = None if total_rows is None else math.ceil(total_rows / size)
        bar = tqdm(total=total_rows, desc=stage.name, unit="row", disable=not self.cfg.progress)
        writer = _writer(shard.index, shard.count)
        n_chunks = 0
        for index, rows in enumerate(chunks):
            n_chunks = index + 1
            if index % shard.count != shard.index or index in done:
                bar.update(len(rows))
                continue
            t0 = time.perf_counter()
            try:
                out = stage.process(rows)
            except StageFailed as err:
                bar.close()
                raise StageFailed(f"stage {stage.name!r}, chunk {index}: {err}") from err
            if self._terminated:
                bar.close()
                raise StageFailed(f"stage {stage.name!r}: SIGTERM received (scancel, preemption or a time "
                                  f"limit), so chunk {index} and later ones were not committed (the signal "
                                  "may have reached its sandboxed calls). Run the same command again to "
                                  "resume from the chunks already committed.")
            if not store.commit_chunk(index, out.rows, out.rejected, len(rows), time.perf_counter() - t0,
                                      out.counts, writer=writer):
                log.warning("stage %s: chunk %d was committed by another process meanwhile (shards of "
                            "different shard.count at once?); kept that one", stage.name, index)
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
        """Merge the committed chunks into ``data/``, once: shards that finish together take turns
        (one merges and removes ``chunks/``; the others find the stage done and report that)."""
        with store.finalize_lock():
            if store.is_done():
                return dict(store.report(), merged_by="another process")
            return self._merge_chunks(stage, store, n_chunks)

    def _merge_chunks(self, stage: Stage, store: StageStore, n_chunks: int) -> dict[str, Any]:
        rejected: Counter = Counter()
        counts: Counter = Counter()
        writers: Counter = Counter()
        rows_in = 0

        def committed_rows() -> Iterator[dict]:
            nonlocal rows_in
            for index in range(n_chunks):
                chunk = store.read_chunk(index)
                rows_in += chunk["rows_in"]
                rejected.update(chunk["rejected"])
                counts.update(chunk.get("counts") or {})
                writers[chunk.get("writer") or "unknown"] += 1
                yield from chunk["rows"]

        staging = store.staging_dir()
        rows_out = save_rows(stage.finalize(committed_rows(), rejected), staging, stage.features())
        ds = _load(staging)
        stats = stage.stats(ds)
        if counts:
            stats["counts"] = dict(sorted(counts.items()))
        report = {"status": "done", "key": store.key, "rows_in": rows_in, "rows_out": rows_out,
                  **_left_out(stage, rejected), "stats": stats, "chunks": n_chunks,
                  "chunks_by": dict(sorted(writers.items()))}
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
                  **_left_out(stage, out.rejected), "stats": out.stats}
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


def _left_out(stage: Stage, dropped: Counter) -> dict[str, dict[str, int]]:
    """``rejected`` (faults, by reason) and ``set_aside`` (the stage's ``set_aside`` reasons: choices)."""
    out: dict[str, dict[str, int]] = {"rejected": {}, "set_aside": {}}
    for reason, count in sorted(dropped.items()):
        out["set_aside" if reason in stage.set_aside else "rejected"][reason] = count
    return out


def _check_environment(group: str, node: Any) -> None:
    """Run the component's own start-up check of its surroundings (an API key in the environment, a
    daemon it talks to), if its class has one: ``check_environment(cfg)`` raises ``ValueError``."""
    if getattr(node, "_target_", None) is None:
        return
    from codeio.schema import component_class

    check = getattr(component_class(node), "check_environment", None)
    if check is not None:
        try:
            check(node)
        except ValueError as err:
            raise PipelineError(f"{group}: {err}") from err


def _no_rows_message(name: str, report: dict[str, Any], later: list[str]) -> str:
    rejected = report.get("rejected") or {}
    reasons = ", ".join(f"{k}={v}" for k, v in sorted(rejected.items(), key=lambda kv: -kv[1])[:5])
    return (f"stage {name!r} produced no rows (rows in: {report.get('rows_in', 0)}; rejected: "
            f"{reasons or 'none'}), so {later} did not run. Check the input and the rejection reasons "
            f"in summary.json.")


def _writer(index: int, count: int) -> str:
    """Who commits a chunk, for the merge report's ``chunks_by``: the shard and, under SLURM, the job."""
    who = f"shard {index}/{count}" if count > 1 else "whole run"
    array = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    job = "_".join(array) if all(array) else os.environ.get("SLURM_JOB_ID")
    return f"{who}, slurm job {job}" if job else who


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _load(path: Path):
    import datasets

    return datasets.load_from_disk(str(path))
