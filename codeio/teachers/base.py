"""The teacher interface: chat conversations in, one generation per conversation and sample out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}

# Generation.finish_reason values
STOP = "stop"
LENGTH = "length"  # cut by max_tokens: recorded as truncated, never accepted as an answer
ERROR = "error"  # failed for good after retries; ``error`` says why


@dataclass
class SamplingParams:
    """Sampling settings of every request; also the ``teacher.sampling`` config block."""

    temperature: float = 0.7
    """0 = greedy. The paper samples its responses at 0.7."""
    top_p: float = 1.0
    """Nucleus sampling: the smallest set of tokens holding this much probability."""
    max_tokens: int = 4096
    """Longest answer in tokens; an answer cut here is recorded as truncated (``finish_reason=length``)."""
    n: int = 1
    """Samples per conversation; each sample index has its own cache entry (and seed ``seed + index``)."""
    seed: int | None = None
    """Per-request seed where the backend supports it; sample i is sent ``seed + i``."""
    stop: list[str] | None = None
    """Stop strings."""

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"teacher.sampling.temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"teacher.sampling.top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ValueError(f"teacher.sampling.max_tokens must be >= 1, got {self.max_tokens}")
        if self.n < 1:
            raise ValueError(f"teacher.sampling.n must be >= 1, got {self.n}")

    def key_fields(self) -> dict[str, Any]:
        """What identifies a sample besides model, messages and sample index (``n`` is not part of it)."""
        d = asdict(self)
        d.pop("n")
        return d


@dataclass
class ChatRequest:
    messages: list[Message]
    task: dict[str, Any] | None = None
    """The task row behind the conversation (refcode, funcname, kind, input_json, output_json, ...).
    LLM backends ignore it; the execution-trace teacher needs it."""


@dataclass
class Generation:
    text: str | None
    finish_reason: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.finish_reason == STOP and self.text is not None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == LENGTH


@dataclass
class TeacherStats:
    requests: int = 0
    """Requests actually sent to the backend (cache hits excluded)."""
    cache_hits: int = 0
    retries: int = 0
    failures: dict[str, int] = field(default_factory=dict)


class Teacher(ABC):
    """A backend that answers chat conversations. Subclasses set ``model_name``.

    Capabilities are class attributes (read before a teacher is built, never configured): the stages
    check them instead of guessing from settings."""

    writes_code: ClassVar[bool] = True
    """Can answer a free-form request such as the transform's rewrite into the unified format (an LLM)."""
    needs_executor: ClassVar[bool] = False
    """Runs code itself, so it is built with the pipeline's executor (``__init__(cfg, executor=...)``)."""
    model_name: str = "unknown"
    stats: TeacherStats
    """Set by backends in ``__init__``: requests sent, retries, failures by reason (``error`` prefix)."""

    @abstractmethod
    def generate(self, requests: Sequence[ChatRequest], params: SamplingParams) -> list[list[Generation]]:
        """Return, for each request in order, ``params.n`` generations (one per sample index)."""

    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        """One generation per ``(request, sample_index)`` item, in order; ``params.n`` is ignored.

        ``on_result(item_index, generation)`` is called as each result is known (the response cache
        commits there, so a crash loses only what is in flight). Backends override this to send exactly
        these samples; this default asks ``generate`` for enough samples per request and picks them.
        """
        groups: dict[int, list[int]] = {}
        order: list[ChatRequest] = []
        for i, (request, _) in enumerate(items):
            key = id(request)
            if key not in groups:
                groups[key] = []
                order.append(request)
            groups[key].append(i)
        out: list[Generation | None] = [None] * len(items)
        if order:
            n = 1 + max(index for _, index in items)
            for request, samples in zip(order, self.generate(order, replace(params, n=n)), strict=True):
                for i in groups[id(request)]:
                    out[i] = samples[items[i][1]]
                    if on_result is not None:
                        on_result(i, out[i])
        return out  # type: ignore[return-value]

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections, engines, workers."""

    def __enter__(self) -> Teacher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SampleTeacher(Teacher):
    """A backend that works sample by sample: it implements ``generate_samples`` and gets ``generate``."""

    def generate(self, requests: Sequence[ChatRequest], params: SamplingParams) -> list[list[Generation]]:
        items = [(request, index) for request in requests for index in range(params.n)]
        flat = self.generate_samples(items, params)
        return [flat[i * params.n:(i + 1) * params.n] for i in range(len(requests))]

    @abstractmethod
    def generate_samples(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        params: SamplingParams,
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        """One generation per ``(request, sample_index)`` item, in order (see ``Teacher``)."""

    def record(self, generation: Generation) -> None:
        """Count a finished generation in ``stats``: failures by reason, truncations as ``length``."""
        if generation.finish_reason == ERROR:
            reason = (generation.error or "unknown").split(":")[0]
            self.stats.failures[reason] = self.stats.failures.get(reason, 0) + 1
        elif generation.truncated:
            self.stats.failures["length"] = self.stats.failures.get("length", 0) + 1

    def in_batches(
        self,
        items: Sequence[tuple[ChatRequest, int]],
        size: int,
        run_batch: Callable[[Sequence[tuple[ChatRequest, int]]], list[Generation]],
        on_result: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        """Run ``items`` through ``run_batch`` ``size`` at a time, counting and reporting each result."""
        out: list[Generation] = []
        for start in range(0, len(items), size):
            batch = items[start:start + size]
            self.stats.requests += len(batch)
            for offset, generation in enumerate(run_batch(batch)):
                self.record(generation)
                out.append(generation)
                if on_result is not None:
                    on_result(start + offset, generation)
        return out
