"""The execution-trace teacher: rationales written from what the code actually did.

For every request it runs the task's entry function on the task's input inside the executor, with the
``trace`` harness (``codeio/execution/harnesses/trace.py``) recording a bounded log, and renders that
log as step-by-step reasoning (``render.py``). Output prediction is right by construction. Input
prediction uses the task's true input as a hidden hint (STaR-style rationalisation): the text reasons
backwards from the target output along the trace, proposes that input and confirms it forwards.

Tasks it cannot trace become ``Generation(finish_reason="error")`` with a reason, counted in
``teacher.stats.failures`` (reasons: ``no_task``, ``bad_task``, ``trace_<executor status>`` such as
``trace_timeout`` / ``trace_exception``, ``trace_log_dropped``, ``trace_empty`` (nothing recorded),
``trace_too_large`` when ``on_truncated="error"``, ``value_differs_from_task`` when the traced value
is not the task's output).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from codeio.execution.base import OK, Call, CallResult, Executor, Job, canonical_json
from codeio.teachers.base import (
    ERROR,
    LENGTH,
    STOP,
    ChatRequest,
    Generation,
    SamplingParams,
    Teacher,
    TeacherStats,
)
from codeio.teachers.trace.config import TraceTeacherConfig
from codeio.teachers.trace.render import RenderOptions, render_input, render_output

CHARS_PER_TOKEN = 3
"""Conservative characters per token used to keep a rationale within ``max_tokens``."""


RENDERER_VERSION = "1"
"""Bump when the tracer or the wording changes what a rationale says: it is part of the model name, so
the response cache (keyed by model name) stops serving rationales written by older code."""


class TraceTeacher(Teacher):
    """Teacher whose rationales are rendered from execution traces; settings: ``TraceTeacherConfig``."""

    writes_code = False  # it explains the code it is given; it cannot rewrite raw code
    needs_executor = True  # traced code runs only in the sandbox

    def __init__(self, cfg: TraceTeacherConfig, executor: Executor | None = None):
        self.config = cfg
        self.model_name = f"{self.config.model_name}@v{RENDERER_VERSION}"
        self.executor = executor
        self.stats = TeacherStats()
        self.outcomes: Counter[str] = Counter()
        """Per traced request: ``rendered``, ``rendered_truncated`` or the failure reason."""

    # -- public -------------------------------------------------------------------------------------------
    def harness_options(self, source: str) -> dict[str, Any]:
        c = self.config
        return {"source": source, "max_events": c.max_events, "max_bytes": c.max_log_chars,
                "max_seconds": c.max_trace_seconds, "max_depth": c.max_depth,
                "max_value_chars": c.max_value_chars, "max_items": c.max_items}

    def render_options(self, params: SamplingParams) -> RenderOptions:
        c = self.config
        return RenderOptions(max_steps=c.max_steps, max_chars=min(c.max_chars, params.max_tokens * CHARS_PER_TOKEN),
                             loop_head=c.loop_head, loop_tail=c.loop_tail, max_call_depth=c.max_call_depth,
                             detailed_calls=c.detailed_calls)

    def generate(self, requests: Sequence[ChatRequest], params: SamplingParams) -> list[list[Generation]]:
        if self.executor is None:
            raise ValueError("the trace teacher needs an executor: TraceTeacher(cfg, executor) "
                             "(codeio.teachers.build_teacher passes it)")
        out: list[list[Generation] | None] = [None] * len(requests)
        by_key: dict[tuple[str, str, str], list[int]] = {}
        for i, request in enumerate(requests):
            task = request.task
            reason = _check_task(task)
            if reason is not None:
                out[i] = self._fail(reason, "", params.n)
                continue
            assert task is not None
            key = (task["refcode"], task["funcname"], task["input_json"])
            by_key.setdefault(key, []).append(i)
        keys = list(by_key)
        size = self.config.batch_size
        for start in range(0, len(keys), size):
            chunk = keys[start:start + size]
            jobs = [Job(code=code, entry=entry, timeout=self.config.timeout,
                        calls=[Call(kwargs_json=kwargs, harness="trace",
                                    harness_options=self.harness_options(code))])
                    for code, entry, kwargs in chunk]
            self.stats.requests += len(jobs)
            results = self.executor.run(jobs)
            for key, result in zip(chunk, results, strict=False):
                call = result.calls[0] if result.calls else CallResult(status="crashed", error="no call result")
                for i in by_key[key]:
                    out[i] = self._respond(requests[i], call, params)
        return [gens if gens is not None else self._fail("internal", "", params.n) for gens in out]

    # -- helpers ------------------------------------------------------------------------------------------
    def _fail(self, reason: str, detail: str, n: int) -> list[Generation]:
        self.stats.failures[reason] = self.stats.failures.get(reason, 0) + 1
        self.outcomes[reason] += 1
        error = f"{reason}: {detail}" if detail else reason
        return [Generation(text=None, finish_reason=ERROR, model=self.model_name, error=error) for _ in range(n)]

    def _respond(self, request: ChatRequest, call: CallResult, params: SamplingParams) -> list[Generation]:
        task = request.task or {}
        if call.status != OK:
            return self._fail(f"trace_{call.status}", call.error or "", params.n)
        if not call.extra_json:
            return self._fail("trace_log_dropped", call.error or "", params.n)
        try:
            log = json.loads(call.extra_json)
            value = json.loads(call.value_json or "null")
            target = json.loads(task["output_json"])
            kwargs = json.loads(task["input_json"])
        except (TypeError, ValueError) as exc:
            return self._fail("trace_log_dropped", str(exc)[:200], params.n)
        if not isinstance(log, dict) or not isinstance(log.get("events"), list):
            return self._fail("trace_log_dropped", "not a trace log", params.n)
        if not log["events"]:  # nothing recorded (e.g. the entry is not a plain Python function)
            return self._fail("trace_empty", str(log.get("truncated_reason") or ""), params.n)
        if canonical_json(value) != canonical_json(target):
            return self._fail("value_differs_from_task", "", params.n)
        if log.get("truncated") and self.config.on_truncated == "error":
            return self._fail("trace_too_large", str(log.get("truncated_reason")), params.n)
        self.outcomes["rendered_truncated" if log.get("truncated") else "rendered"] += 1
        revision = any(m.get("role") == "assistant" for m in request.messages)
        opts = self.render_options(params)
        limit = params.max_tokens * CHARS_PER_TOKEN
        generations = []
        for index in range(params.n):
            seed = _seed(task.get("task_id") or task.get("prompt") or "", index, params.seed, self.config.seed)
            steps = self.config.max_steps
            while True:  # fewer steps until the whole text fits max_tokens
                opts.max_steps = steps
                if task["kind"] == "output":
                    text = render_output(log, task["funcname"], target, opts, seed, revision=revision,
                                         kwargs=kwargs)
                else:
                    text = render_input(log, task["funcname"], kwargs, target, opts, seed, revision=revision)
                if len(text) <= limit or steps == 0:
                    break
                steps //= 2
            finish = STOP
            if len(text) > limit:  # even the answer does not fit: report it as cut, as an LLM's would be
                text, finish = text[:limit], LENGTH
            generations.append(Generation(text=text, finish_reason=finish, model=self.model_name))
        return generations


def _check_task(task: dict[str, Any] | None) -> str | None:
    if not isinstance(task, dict):
        return "no_task"
    for name in ("refcode", "funcname", "kind", "input_json", "output_json"):
        if not isinstance(task.get(name), str):
            return "bad_task"
    if task["kind"] not in ("output", "input"):
        return "bad_task"
    try:
        if not isinstance(json.loads(task["input_json"]), dict):
            return "bad_task"
        json.loads(task["output_json"])
    except ValueError:
        return "bad_task"
    return None


def _seed(*parts: Any) -> int:
    text = json.dumps(parts, default=str)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
