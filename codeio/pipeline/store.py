"""Durable per-stage storage: atomic chunk commits, then one finalized ``datasets`` Dataset.

Layout of one stage's cache entry ``<cache.dir>/<stage>/<key>/``::

    chunks/000042.json   one committed chunk: {"rows_in", "rows", "rejected", "seconds"}
    chunks/chunking.json the rows per chunk these chunks were cut with (a resume keeps it)
    data/                the finalized dataset (``datasets.load_from_disk``), plus stage artifacts
    done.json            written last: the stage's report; its presence means "cache hit"

A chunk file appears only as a hard link to a fully written and fsynced temporary file, so a process
killed at any instant (SIGKILL included) leaves either the whole chunk or nothing, and a chunk, once
committed, is never written again (a second writer finds it there and keeps it). Resuming means skipping
the chunks that exist; nothing is lost and nothing is written twice.

Who may compute an entry is settled by ``flock`` on files under ``<cache.dir>/<stage>/.locks/`` (outside
the entry, so ``cache.refresh`` can clear the entry while holding them): see ``compute_lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import datasets

from codeio.jsontext import dumps_arrow_safe

log = logging.getLogger(__name__)


def _write_temp(path: Path, obj: Any) -> Path:
    """``obj`` as JSON in a fsynced temporary file beside ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON so that readers see the old file, or the complete new one, never a torn one."""
    tmp = _write_temp(path, obj)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_json_exclusive(path: Path, obj: Any) -> bool:
    """Create ``path`` holding ``obj`` unless it exists; False (and nothing written) when it does.

    Atomic like ``write_json_atomic``, and the first writer wins: the file appears as a hard link to the
    complete temporary file, and ``link`` never replaces an existing name."""
    tmp = _write_temp(path, obj)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this filesystem: create-if-absent, exclusive all but the race
            if path.exists():
                return False
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


@contextlib.contextmanager
def _flocked(path: Path, mode: int, waiting: str, report_every_s: float = 60.0) -> Iterator[None]:
    """Hold ``flock(mode)`` on ``path``; while another process holds it, log ``waiting`` at once and then
    every ``report_every_s`` (a wait is never silent). The kernel drops the lock when its holder dies,
    SIGKILL included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        started = time.monotonic()
        reported = None
        while True:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if reported is None or now - reported >= report_every_s:
                    log.info("%s (waited %.0f s)", waiting, now - started)
                    reported = now
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StageStore:
    """The cache entry of one stage run, addressed by its content key."""

    def __init__(self, root: Path, stage: str, key: str):
        self.stage = stage
        self.key = key
        self.dir = Path(root) / stage / key
        self.chunks_dir = self.dir / "chunks"
        self.data_dir = self.dir / "data"
        self.done_path = self.dir / "done.json"

    # -- state -----------------------------------------------------------------------------------
    def is_done(self) -> bool:
        return self.done_path.is_file() and self.data_dir.is_dir()

    def report(self) -> dict[str, Any]:
        return json.loads(self.done_path.read_text(encoding="utf-8"))

    def clear(self) -> None:
        """Forget everything (``cache.refresh=true``)."""
        if self.dir.exists():
            trash = self.dir.with_name(f".trash-{self.key}-{uuid.uuid4().hex[:8]}")
            os.replace(self.dir, trash)  # atomic: readers never see a half-deleted entry
            shutil.rmtree(trash, ignore_errors=True)

    # -- chunks ----------------------------------------------------------------------------------
    def chunk_path(self, index: int) -> Path:
        return self.chunks_dir / f"{index:06d}.json"

    def has_chunk(self, index: int) -> bool:
        return self.chunk_path(index).is_file()

    def commit_chunk(self, index: int, rows: list[dict], rejected: dict[str, int], rows_in: int,
                     seconds: float, counts: dict[str, int] | None = None, writer: str = "") -> bool:
        """Commit chunk ``index`` once; False when it was already committed (then it is left as it is).
        ``writer`` names the process (shard, SLURM job) for the merge report."""
        return write_json_exclusive(self.chunk_path(index), {
            "rows_in": rows_in, "rows": rows, "rejected": dict(rejected), "seconds": seconds,
            "counts": dict(counts or {}), "writer": writer,
        })

    def read_chunk(self, index: int) -> dict[str, Any]:
        return json.loads(self.chunk_path(index).read_text(encoding="utf-8"))

    def recorded_chunk_size(self) -> int | None:
        path = self.chunks_dir / "chunking.json"
        return int(json.loads(path.read_text())["chunk_size"]) if path.is_file() else None

    def record_chunk_size(self, size: int) -> int:
        """Written once, before the first chunk, so every process (resume, shard) cuts the same chunks.
        Of shards starting together the first one writes it; returns the size recorded."""
        if self.recorded_chunk_size() is None:
            write_json_exclusive(self.chunks_dir / "chunking.json", {"chunk_size": size})
        return self.recorded_chunk_size()

    def committed_chunks(self) -> list[int]:
        if not self.chunks_dir.is_dir():
            return []
        return sorted(int(p.stem) for p in self.chunks_dir.glob("[0-9]*.json"))

    # -- finalize --------------------------------------------------------------------------------
    def staging_dir(self) -> Path:
        """A private directory to build ``data/`` in before the atomic rename."""
        path = self.dir / f".staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        return path

    @contextlib.contextmanager
    def compute_lock(self, shard: tuple[int, int] | None = None) -> Iterator[None]:
        """Held while this process computes the entry. A whole run holds it exclusively, so a second
        process with the same key (a sweep point running beside another) waits, then finds the output
        done. A shard ``(index, count)`` holds it shared plus its own shard's lock exclusively: the
        shards of an array run side by side, a resubmitted shard waits for a predecessor still running,
        and a plain run (the merge) waits for every running shard. So no chunk is ever computed by two
        processes at once."""
        locks = self.dir.parent / ".locks"
        waiting = f"stage {self.stage} (key {self.key}): another process computes it; waiting"
        if shard is None:
            with _flocked(locks / f"{self.key}.lock", fcntl.LOCK_EX, waiting):
                yield
            return
        index, count = shard
        with _flocked(locks / f"{self.key}.lock", fcntl.LOCK_SH, f"{waiting} (a run of the whole stage)"), \
                _flocked(locks / f"{self.key}.shard-{index}-of-{count}.lock", fcntl.LOCK_EX,
                         f"{waiting} (an earlier attempt of shard {index}/{count})"):
            yield

    @contextlib.contextmanager
    def finalize_lock(self) -> Iterator[None]:
        """Exclusive between processes (and threads) finalizing this entry: ``flock`` on a lock file."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".finalize.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(self, staging: Path, report: dict[str, Any]) -> None:
        """Move a fully built ``staging`` dir to ``data/`` and write ``done.json`` last."""
        try:
            os.replace(staging, self.data_dir)
        except OSError:
            # Another process (a parallel shard) published first; its result has the same content.
            shutil.rmtree(staging, ignore_errors=True)
            if not self.data_dir.is_dir():
                raise
        _fsync_dir(self.dir)
        write_json_atomic(self.done_path, report)
        shutil.rmtree(self.chunks_dir, ignore_errors=True)  # data/ now holds every row

    def load(self) -> datasets.Dataset:
        return datasets.load_from_disk(str(self.data_dir))


def save_rows(rows: Iterable[dict[str, Any]], target: Path,
              features: datasets.Features | None = None) -> int:
    """Write rows as a ``datasets`` Dataset at ``target``.

    Rows are streamed to a temporary JSON Lines file and loaded by the ``json`` builder, so memory stays
    flat however many rows a stage produces. ``features`` pins column types (recommended: Arrow cannot
    infer a type for a column that is null in every row of its first block). The dataset's fingerprint
    is a hash of its rows and features, so equal rows make equal files (a sharded and merged stage is
    byte for byte the stage run whole), where ``datasets`` would pick a random one.
    """
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".rows-", dir=target.parent))
    try:
        jsonl = work / "rows.jsonl"
        digest = hashlib.sha256(repr(features).encode())
        count = 0
        with jsonl.open("w", encoding="utf-8") as f:
            for row in rows:
                line = dumps_arrow_safe(row) + "\n"  # Arrow rejects lone surrogates: stored as their escape text
                f.write(line)
                digest.update(line.encode("utf-8", "surrogatepass"))
                count += 1
        if count == 0:
            columns = {name: [] for name in (features or {})}
            ds = datasets.Dataset.from_dict(columns, features=features)
        else:
            ds = datasets.Dataset.from_json(str(jsonl), features=features, cache_dir=str(work / "arrow"),
                                            keep_in_memory=False)
        ds = datasets.Dataset(ds.data, info=ds.info, split=ds.split, fingerprint=digest.hexdigest()[:16])
        # An empty dataset saved with the default shard count writes no data file, and load_from_disk
        # then fails (datasets 5.x); one explicit shard keeps it readable.
        ds.save_to_disk(str(target), num_shards=1 if count == 0 else None)
        return count
    finally:
        shutil.rmtree(work, ignore_errors=True)
