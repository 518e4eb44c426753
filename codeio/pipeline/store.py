"""Durable per-stage storage: atomic chunk commits, then one finalized ``datasets`` Dataset.

Layout of one stage's cache entry ``<cache.dir>/<stage>/<key>/``::

    chunks/000042.json   one committed chunk: {"rows_in", "rows", "rejected", "seconds"}
    data/                the finalized dataset (``datasets.load_from_disk``), plus stage artifacts
    done.json            written last: the stage's report; its presence means "cache hit"

A chunk file appears only through ``os.replace`` of a fully written and fsynced temporary file, so a
process killed at any instant (SIGKILL included) leaves either the whole chunk or nothing. Resuming
means skipping the chunks that exist; nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets

from codeio.jsontext import dumps_arrow_safe


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON so that readers see the old file, or the complete new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


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
                     seconds: float, counts: dict[str, int] | None = None) -> None:
        write_json_atomic(self.chunk_path(index), {
            "rows_in": rows_in, "rows": rows, "rejected": dict(rejected), "seconds": seconds,
            "counts": dict(counts or {}),
        })

    def read_chunk(self, index: int) -> dict[str, Any]:
        return json.loads(self.chunk_path(index).read_text(encoding="utf-8"))

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
    infer a type for a column that is null in every row of its first block).
    """
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".rows-", dir=target.parent))
    try:
        jsonl = work / "rows.jsonl"
        count = 0
        with jsonl.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(dumps_arrow_safe(row))  # Arrow rejects lone surrogates: stored as their escape text
                f.write("\n")
                count += 1
        if count == 0:
            columns = {name: [] for name in (features or {})}
            ds = datasets.Dataset.from_dict(columns, features=features)
        else:
            ds = datasets.Dataset.from_json(str(jsonl), features=features, cache_dir=str(work / "arrow"),
                                            keep_in_memory=False)
        ds.save_to_disk(str(target))
        return count
    finally:
        shutil.rmtree(work, ignore_errors=True)
