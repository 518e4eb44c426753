"""``respond``: tasks -> turn-1 responses from the teacher (cached per conversation and sample)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import Task
from codeio.stages.common import build_executor, build_teacher, require, teacher_key, teacher_needs_executor
from codeio.teachers.base import ChatRequest


def first_turn_messages(row: dict) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    messages.append({"role": "user", "content": row["prompt"]})
    return messages


def conversation(row: dict, redo_request: str) -> list[dict[str, str]]:
    """The whole conversation so far: prompt, then each answer and the feedback it got.

    Every turn extends the previous conversation verbatim, so an engine with prefix caching (vLLM)
    reuses the work done for the earlier turns."""
    messages = first_turn_messages(row)
    for response, feedback in zip(row["responses"], row["feedbacks"], strict=False):
        messages.append({"role": "assistant", "content": response})
        messages.append({"role": "user", "content": f"{feedback}\n\n{redo_request}".strip()})
    return messages


def ask_teacher(teacher, sampling, rows: list[dict], messages: list[list[dict]],
                rejected: Counter, reason_prefix: str) -> list[dict]:
    """Generate one answer per row and append it; rows whose generation failed for good are dropped
    and counted (``<prefix>:<reason>``). Returns the rows that got an answer."""
    requests = [ChatRequest(messages=m, task=r) for r, m in zip(rows, messages, strict=True)]
    answered = []
    for row, samples in zip(rows, teacher.generate(requests, sampling), strict=True):
        gen = samples[0]
        if gen.finish_reason == "error" or gen.text is None:
            rejected[f"{reason_prefix}:{_short(gen.error)}"] += 1
            continue
        row["responses"] = [*row["responses"], gen.text]
        row["finish_reasons"] = [*row["finish_reasons"], gen.finish_reason]
        row["model"] = gen.model
        answered.append(row)
    return answered


def teacher_counts(teacher) -> Counter:
    """The teacher's running totals (requests sent, cache hits, retries); stages report per-chunk
    differences so ``stats.counts`` in the summary says what a run actually paid for."""
    stats = getattr(teacher, "stats", None)
    if stats is None:
        return Counter()
    return Counter({"teacher_requests": stats.requests, "teacher_cache_hits": stats.cache_hits,
                    "teacher_retries": stats.retries})


def _short(reason: str | None) -> str:
    text = (reason or "unknown").split(":")[0].strip().lower().replace(" ", "_")
    return text[:40] or "unknown"


class RespondStage(Stage):
    name = "respond"
    version = "1"
    record = Task

    def inputs(self) -> list[str]:
        return ["tasks"]

    def key_config(self) -> dict[str, Any]:
        return teacher_key(self.cfg)

    def validate(self) -> None:
        require(self.cfg, "teacher", self.name)
        if teacher_needs_executor(self.cfg):
            require(self.cfg, "executor", self.name)

    def open(self, work_dir: Path) -> None:
        self.executor = build_executor(self.cfg) if teacher_needs_executor(self.cfg) else None
        self.teacher, self.sampling = build_teacher(self.cfg, executor=self.executor)

    def close(self) -> None:
        for thing in (getattr(self, "teacher", None), getattr(self, "executor", None)):
            if thing is not None:
                thing.close()

    def process(self, rows: list[dict]) -> ChunkOutput:
        rejected: Counter = Counter()
        rows = [dict(r, responses=[], finish_reasons=[], statuses=[], feedbacks=[], answers_json=[])
                for r in rows]
        before = teacher_counts(self.teacher)
        answered = ask_teacher(self.teacher, self.sampling, rows, [first_turn_messages(r) for r in rows],
                               rejected, "teacher_failed")
        counts = teacher_counts(self.teacher)
        counts.subtract(before)
        return ChunkOutput(answered, rejected, counts=+counts)

    def stats(self, ds) -> dict[str, Any]:
        reasons = Counter(fr[0] for fr in ds["finish_reasons"]) if len(ds) else Counter()
        return {"finish_reasons": dict(reasons), "truncated": reasons.get("length", 0)}
