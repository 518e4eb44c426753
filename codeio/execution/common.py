"""Parent-side helpers shared by the executors: job requests out, validated call results in.

The parent never trusts a child: every reply is re-validated here (status known, value text parsed as
strict JSON and re-canonicalized, sizes capped) before it becomes a ``CallResult``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from codeio.execution.base import (
    CRASHED,
    NOT_SERIALIZABLE,
    OK,
    OUTPUT_TOO_LARGE,
    STATUSES,
    CallResult,
    Job,
    canonical_json,
    is_strict_json_value,
)

HARNESS_DIR = Path(__file__).with_name("harnesses")
_HARNESS_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_harness_cache: dict[str, str | None] = {}


def plain(value: Any) -> Any:
    """OmegaConf containers (from Hydra) -> plain Python lists/dicts."""
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


def harness_source(name: str) -> str | None:
    """Text of ``codeio/execution/harnesses/<name>.py`` (None when the name is invalid or missing)."""
    if name not in _harness_cache:
        path = HARNESS_DIR / f"{name}.py"
        ok = bool(_HARNESS_NAME.match(name)) and path.is_file()
        _harness_cache[name] = path.read_text(encoding="utf-8") if ok else None
    return _harness_cache[name]


def job_request(job: Job) -> dict[str, Any]:
    """The JSON request sent to a worker or child for ``job``."""
    calls = []
    sources: dict[str, str] = {}
    for call in job.calls:
        if call.harness:
            text = harness_source(call.harness)
            if text is not None:
                sources[call.harness] = text
        calls.append({
            "kwargs_json": call.kwargs_json,
            "generate": bool(call.generate),
            "seed": int(call.seed),
            "harness": call.harness,
            "harness_options": call.harness_options,
        })
    return {
        "op": "job",
        "job": {"code": job.code, "entry": job.entry, "generator": job.generator, "timeout": job.timeout,
                "calls": calls},
        "harness_sources": sources,
    }


def runner_options(config: Any) -> dict[str, Any]:
    """The options the child side reads (a JSON-able dict)."""
    options = {k: plain(v) for k, v in asdict(config).items() if not k.startswith("_")}
    return json.loads(json.dumps(options))


def _strict_text(text: Any, limit: int) -> tuple[str | None, str | None, str | None]:
    """(canonical text, failing status, error) for a JSON text reported by a child."""
    if not isinstance(text, str):
        return None, CRASHED, "child reported no value text"
    if len(text) > limit:
        return None, OUTPUT_TOO_LARGE, f"value text of {len(text)} characters above the cap {limit}"

    def reject(constant: str) -> Any:
        raise ValueError(f"non-finite number {constant}")

    try:
        value = json.loads(text, parse_constant=reject)
        if not is_strict_json_value(value):
            return None, NOT_SERIALIZABLE, "value is not strict JSON"
        return canonical_json(value), None, None
    except (ValueError, RecursionError) as exc:
        return None, NOT_SERIALIZABLE, f"invalid value text: {str(exc)[:200]}"


def call_result(reply: Any, output_limit: int) -> CallResult:
    """Turn one untrusted reply dict into a validated ``CallResult``."""
    if not isinstance(reply, dict):
        return CallResult(status=CRASHED, error="malformed reply")
    status = reply.get("status")
    if status not in STATUSES:
        return CallResult(status=CRASHED, error=f"unknown status {str(status)[:50]!r}")
    seconds = reply.get("seconds")
    seconds = float(seconds) if isinstance(seconds, (int, float)) and math.isfinite(seconds) else 0.0
    error = reply.get("error")
    error = str(error)[:2000] if error is not None else None
    result = CallResult(status=status, error=error, seconds=max(0.0, seconds))
    if reply.get("input") is not None:
        result.input_json, bad, why = _strict_text(reply["input"], output_limit)
        if bad is not None:
            return CallResult(status=bad, error=f"generated input: {why}", seconds=result.seconds)
    if status == OK:
        result.value_json, bad, why = _strict_text(reply.get("value"), output_limit)
        if bad is not None:
            result.status, result.error = bad, why
            return result
        if reply.get("extra") is not None:
            result.extra_json, bad, why = _strict_text(reply["extra"], output_limit)
            if bad is not None:
                result.extra_json = None
                result.error = f"harness output dropped: {why}"
        elif reply.get("extra_error"):
            result.error = f"harness output dropped: {str(reply['extra_error'])[:200]}"
    return result
