"""SLURM ends a job with SIGTERM to all of its processes (the sandbox's children included) and SIGKILL
later; under submitit the job's main process carries on through SIGTERM. A chunk finished after the
signal may hold calls that died of it, so nothing is committed after it, and a rerun resumes."""

from __future__ import annotations

import dataclasses
import os
import signal

import pytest

from codeio.pipeline.runner import Pipeline
from codeio.pipeline.stage import ChunkOutput, Stage, StageFailed
from tests.pipeline.test_lifecycle import typed


class Numbers(Stage):
    name = "numbers"
    signal_at: int | None = None

    def source_items(self):
        return iter({"n": i} for i in range(10))

    def process(self, rows: list[dict]) -> ChunkOutput:
        if rows[0]["n"] == self.signal_at:  # scancel arrives while this chunk is computed
            os.kill(os.getpid(), signal.SIGTERM)
        return ChunkOutput(rows)


def test_nothing_is_committed_after_sigterm_and_a_rerun_completes(tmp_path, monkeypatch):
    cfg = dataclasses.replace(typed(tmp_path, "cache.chunk_size=2"), stages=["numbers"])
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))  # as submitit
    monkeypatch.setattr(Numbers, "signal_at", 4)
    try:
        with pytest.raises(StageFailed, match="SIGTERM received.*chunk 2 and later"):
            Pipeline(cfg, tmp_path / "run", (Numbers,)).run()
        assert received == [signal.SIGTERM]  # the job's own handler still ran
    finally:
        signal.signal(signal.SIGTERM, previous)
    pipeline = Pipeline(cfg, tmp_path / "run", (Numbers,))
    assert pipeline.store("numbers").committed_chunks() == [0, 1]
    monkeypatch.setattr(Numbers, "signal_at", None)
    summary = pipeline.run()
    assert summary["stages"]["numbers"]["cache"] == "resumed" and summary["stages"]["numbers"]["rows_out"] == 10
