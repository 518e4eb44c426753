"""The teacher interface: chat conversations in, one generation per conversation and sample out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}

# Generation.finish_reason values
STOP = "stop"
LENGTH = "length"  # cut by max_tokens: recorded as truncated, never accepted as an answer
ERROR = "error"  # failed for good after retries; ``error`` says why


@dataclass
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 4096
    n: int = 1
    """Samples per conversation; each sample has its own cache entry (sample index)."""
    seed: int | None = None
    stop: list[str] | None = None

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
    """A backend that answers chat conversations. Subclasses set ``model_name``."""

    model_name: str = "unknown"

    @abstractmethod
    def generate(self, requests: Sequence[ChatRequest], params: SamplingParams) -> list[list[Generation]]:
        """Return, for each request in order, ``params.n`` generations (one per sample index)."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections, engines, workers."""

    def __enter__(self) -> Teacher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
