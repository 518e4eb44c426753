"""The executor interface: run untrusted code in a sandbox, get JSON text back.

The trusted parent never runs generated code and never trusts a child's exit code. A child loads the
job's code once, then performs the job's calls in order and reports each call's value as canonical
JSON text. Every comparison of values happens in the parent, on decoded JSON (see ``codeio.verify``).
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codeio.jsontext import canonical_json  # noqa: F401 - re-exported: codeio.execution.base.canonical_json

# Result statuses of one call. ``ok`` is the only success.
OK = "ok"
EXCEPTION = "exception"  # the code raised (error carries "TypeName: message"); also load/compile errors
TIMEOUT = "timeout"  # wall-clock or CPU limit reached
MEMORY = "memory"  # address-space limit reached (MemoryError or killed while allocating)
CRASHED = "crashed"  # child died without a result (segfault, os._exit, killed, forged or garbled reply)
OUTPUT_TOO_LARGE = "output_too_large"  # serialized value or child output above the cap
NOT_SERIALIZABLE = "not_serializable"  # value (or generated input) is not strict JSON (NaN, set, bytes, ...)
STATUSES = (OK, EXCEPTION, TIMEOUT, MEMORY, CRASHED, OUTPUT_TOO_LARGE, NOT_SERIALIZABLE)


def is_strict_json_value(value: Any) -> bool:
    """True when ``value`` is made only of dict[str]/list/str/int/float(finite)/bool/None."""
    if value is None or isinstance(value, (bool, str, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_strict_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_strict_json_value(v) for k, v in value.items())
    return False


@dataclass
class Call:
    """One call of the job's entry function inside the child.

    Exactly one of ``kwargs_json`` / ``generate`` says where the arguments come from.
    """

    kwargs_json: str | None = None
    """JSON text of a dict: the entry is called as ``entry(**kwargs)``."""
    generate: bool = False
    """Call the job's ``generator`` first (seeded by ``seed``) and use its dict as kwargs. The result then
    carries the generated input as ``input_json``."""
    seed: int = 0
    """Seeds ``random`` (and ``numpy.random`` when imported) before the generator and before the entry;
    a generator taking one argument receives ``random.Random(seed)``."""
    harness: str | None = None
    """Name of a trusted-by-us wrapper run around the entry in the child, e.g. ``"trace"`` (see
    ``codeio.execution.harnesses``). Its JSON output comes back as ``CallResult.extra_json``."""
    harness_options: dict[str, Any] | None = None


@dataclass
class Job:
    """Load ``code`` once in a fresh child, then perform ``calls`` in order."""

    code: str
    entry: str = "main_solution"
    calls: list[Call] = field(default_factory=list)
    generator: str | None = None
    """Name of the input generator defined by ``code`` (``input_generator`` or ``generate_inputs``)."""
    variant: int = 0
    """0 = the normal workers. 1 = a child started with another ``PYTHONHASHSEED`` (determinism checks)."""
    timeout: float | None = None
    """Per-call wall-clock limit in seconds; None = the executor's configured timeout."""

    @classmethod
    def single(cls, code: str, kwargs: dict[str, Any], entry: str = "main_solution", **kw: Any) -> Job:
        return cls(code=code, entry=entry, calls=[Call(kwargs_json=json.dumps(kwargs))], **kw)


@dataclass
class CallResult:
    status: str
    value_json: str | None = None
    """Canonical JSON text of the returned value when status is ok."""
    input_json: str | None = None
    """Canonical JSON text of the kwargs actually used (filled for generate calls)."""
    error: str | None = None
    """"TypeName: message" for exceptions, a short reason otherwise."""
    seconds: float = 0.0
    extra_json: str | None = None
    """Harness output (JSON text), when the call asked for a harness."""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def value(self) -> Any:
        return None if self.value_json is None else json.loads(self.value_json)


@dataclass
class JobResult:
    calls: list[CallResult]
    seconds: float = 0.0


class Executor(ABC):
    """Runs batches of jobs, in parallel over its workers, returning results in job order.

    Implementations must be usable as context managers and must leave no process, temp dir or fd
    behind after ``close()``. A call that times out or crashes its child does not lose the job's later
    calls: they are carried on in a fresh child.
    """

    @abstractmethod
    def run(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Run ``jobs`` and return one ``JobResult`` per job, in order."""

    def close(self) -> None:  # noqa: B027 - optional for executors without resources
        """Stop workers and release resources."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_one(self, code: str, kwargs: dict[str, Any], entry: str = "main_solution") -> CallResult:
        return self.run([Job.single(code, kwargs, entry=entry)])[0].calls[0]
