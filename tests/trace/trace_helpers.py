"""Helpers of the trace-teacher tests: the harness loaded as text (as the sandbox child loads it) and the
numbers a trace states."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).resolve().parents[2] / "codeio" / "execution" / "harnesses" / "trace.py"
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")


def load_harness() -> types.ModuleType:
    module = types.ModuleType("trace_harness_under_test")
    exec(compile(HARNESS.read_text(encoding="utf-8"), "<harness trace>", "exec"), module.__dict__)
    return module


def trace_source(source: str, kwargs: dict[str, Any], entry: str = "main_solution",
                 **options: Any) -> tuple[Any, dict[str, Any]]:
    """Run our own test function under the harness in this process; the log goes through JSON like the
    executor's reply does."""
    namespace: dict[str, Any] = {"__name__": "__codeio_job__"}
    exec(compile(source, "<job>", "exec"), namespace)
    value, log = load_harness().run(namespace[entry], kwargs, dict(options, source=source))
    return json.loads(json.dumps(value)), json.loads(json.dumps(log))


def numbers_in(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def trace_numbers(log: dict[str, Any], *json_texts: str) -> set[str]:
    """Numbers the trace states: value summaries, quoted source, iteration numbers and loop counts (not
    depths or line numbers), plus the task's own input and output."""
    found: set[str] = set()
    for event in log["events"]:
        kind = event[0]
        if kind in ("call", "set"):
            for name, value in event[3]:
                found |= numbers_in(name) | numbers_in(value)
        elif kind in ("ret", "raise"):
            found |= numbers_in(str(event[3]))
        elif kind in ("iter", "done"):
            found.add(str(event[3]))
    for text in log["src"].values():
        found |= numbers_in(text)
    for text in json_texts:
        found |= numbers_in(text)
    return found

