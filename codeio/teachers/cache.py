"""Persistent response cache: a rerun, a resumed run or another sweep point never asks twice.

One sqlite file (stdlib, WAL mode, busy timeout) that several processes may share. An entry is keyed by
hash(model, a namespace of answer-changing settings, messages, sampling settings without ``n``, sample index)
and committed as soon as its answer arrives (a writer thread commits what has arrived, in groups), so a
crash loses only the requests in flight and answers received in the last milliseconds. Failures
(``finish_reason="error"``) are not stored unless ``cache_failures`` is set: the next run retries them.
Truncated answers (``finish_reason="length"``) are real outcomes of the model and are stored.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import queue
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from codeio.teachers.base import (
    ERROR,
    ChatRequest,
    Generation,
    SampleTeacher,
    SamplingParams,
    Teacher,
    TeacherStats,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    error TEXT,
    created REAL NOT NULL
)
"""
_LOOKUP_CHUNK = 500  # stays under sqlite's limit on bound parameters


def response_key(model: str, messages: list[dict[str, Any]], params: SamplingParams, sample_index: int,
                 namespace: str = "") -> str:
    """The cache key of one sample."""
    parts = {"model": model, "namespace": namespace, "messages": messages,
             "sampling": params.key_fields(), "sample": sample_index}
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """The sqlite store behind ``CachedTeacher``; usable from several threads and processes.

    ``put`` hands a result to a writer thread that commits whatever has arrived in one transaction
    (group commit), so the event loop that receives answers never waits for the disk; ``flush`` waits
    until everything put so far is committed."""

    def __init__(self, path: str | Path, busy_timeout: float = 120.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._db = self._connect()
        self._db.execute(_SCHEMA)
        self._queue: queue.Queue[tuple[str, Generation] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_error: BaseException | None = None
        atexit.register(_flush_at_exit, weakref.ref(self))  # the writer is a daemon thread

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed entry survives a crash of the process (not a power cut of the
        # machine); that is what resuming needs, at a fraction of the cost of FULL.
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Generation]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, Generation] = {}
        with self._lock:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start:start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key, model, text, finish_reason, prompt_tokens, completion_tokens, error "
                    f"FROM responses WHERE key IN ({marks})", chunk).fetchall()
                for key, model, text, finish, ptok, ctok, error in rows:
                    found[key] = Generation(text=text, finish_reason=finish, model=model, prompt_tokens=ptok,
                                            completion_tokens=ctok, error=error, cached=True)
        return found

    def put(self, key: str, generation: Generation) -> None:
        """Queue one result for the writer thread (committed within milliseconds; ``flush`` to wait)."""
        if self._writer_error is not None:
            raise RuntimeError(f"response cache writer failed: {self._writer_error!r}") from self._writer_error
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_loop, name="response-cache-writer",
                                                    daemon=True)
                    self._writer.start()
        self._queue.put((key, generation))

    def flush(self) -> None:
        """Wait until every result put so far is committed."""
        if self._writer is not None:
            self._queue.join()
        if self._writer_error is not None:
            raise RuntimeError(f"response cache writer failed: {self._writer_error!r}") from self._writer_error

    def _write_loop(self) -> None:
        db = self._connect()
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [(k, g.model, g.text, g.finish_reason, g.prompt_tokens, g.completion_tokens, g.error,
                     time.time()) for item in batch if item is not None for k, g in [item]]
            try:
                if rows:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                    db.execute("COMMIT")
            except BaseException as exc:  # reported to the next put/flush instead of dying silently
                self._writer_error = exc
            finally:
                for _ in batch:
                    self._queue.task_done()
            if None in batch:
                db.close()
                return

    def __len__(self) -> int:
        self.flush()
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join(timeout=60)
            self._writer = None
        with self._lock:
            self._db.close()


def _flush_at_exit(ref: weakref.ref) -> None:
    cache = ref()
    if cache is not None and cache._writer is not None:
        try:
            cache.flush()
        except Exception:  # exiting anyway; nothing more can be saved
            pass


class CachedTeacher(SampleTeacher):
    """Wraps a teacher: answers what the cache holds, sends only the misses (each distinct one once) and
    stores each result as it arrives."""

    def __init__(self, inner: Teacher, path: str | Path, cache_failures: bool = False,
                 namespace: str = "") -> None:
        """``namespace``: part of every key, for settings besides model and sampling that change answers
        (``build_teacher`` derives it from the config)."""
        self.inner = inner
        self.model_name = inner.model_name
        self.cache = ResponseCache(path)
        self.cache_failures = cache_failures
        self.namespace = namespace
        self.cache_hits = 0
        self._sent = 0
        self._failures: dict[str, int] = {}

    @property
    def stats(self) -> TeacherStats:  # type: ignore[override]
        """Cache hits counted here; requests, retries and failures as the backend reports them (or, for
        a backend without stats, counted here from what was sent and what failed)."""
        inner = getattr(self.inner, "stats", None)
        if isinstance(inner, TeacherStats):
            return TeacherStats(requests=inner.requests, cache_hits=self.cache_hits, retries=inner.retries,
                                failures=dict(inner.failures))
        return TeacherStats(requests=self._sent, cache_hits=self.cache_hits, failures=dict(self._failures))

    def key(self, request: ChatRequest, params: SamplingParams, sample_index: int) -> str:
        return response_key(self.model_name, request.messages, params, sample_index, self.namespace)

    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        keys = [self.key(request, params, index) for request, index in items]
        found = self.cache.get_many(keys)
        out: list[Generation | None] = [found.get(k) for k in keys]
        self.cache_hits += sum(g is not None for g in out)
        if on_result is not None:
            for i, g in enumerate(out):
                if g is not None:
                    on_result(i, g)

        # Each distinct missing key is asked once, even if several items share it.
        waiting: dict[str, list[int]] = {}
        for i, (k, g) in enumerate(zip(keys, out, strict=True)):
            if g is None:
                waiting.setdefault(k, []).append(i)
        if not waiting:
            return out  # type: ignore[return-value]
        miss_keys = list(waiting)
        miss_items = [items[waiting[k][0]] for k in miss_keys]

        def arrived(j: int, generation: Generation) -> None:
            key = miss_keys[j]
            if generation.finish_reason != ERROR or self.cache_failures:
                self.cache.put(key, replace(generation, cached=False))
            elif not isinstance(getattr(self.inner, "stats", None), TeacherStats):
                reason = (generation.error or "unknown").split(":")[0]
                self._failures[reason] = self._failures.get(reason, 0) + 1
            for i in waiting[key]:
                out[i] = generation
                if on_result is not None:
                    on_result(i, generation)

        self._sent += len(miss_items)
        try:
            results = self.inner.generate_samples(miss_items, replace(params, n=1), on_result=arrived)
            for j, generation in enumerate(results):  # a backend that never called back: store now
                for i in waiting[miss_keys[j]]:
                    if out[i] is None:
                        arrived(j, generation)
                        break
        finally:
            self.cache.flush()  # what arrived is committed before this returns (or raises)
        return out  # type: ignore[return-value]

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.cache.close()
