"""Config schema of the execution-trace teacher (group ``teacher``, option ``trace``). Light module."""

from __future__ import annotations

from dataclasses import dataclass, field

from codeio.teachers.config import TRANSPORT, TeacherConfigBase


@dataclass
class TraceTeacherConfig(TeacherConfigBase):
    """Writes rationales from the entry function's own execution trace; no model involved.

    Output prediction is right by construction; input prediction uses the task's true input as a
    hidden hint (STaR-style rationalisation), reasons backwards to it and confirms it by tracing.
    ``sampling`` (``max_tokens``, ``n``, ``seed``) and ``cache_failures`` come from ``TeacherConfigBase``;
    ``temperature`` and ``top_p`` have no effect here. The teacher runs code only in the pipeline's
    executor, which it is given because its class declares ``needs_executor``.
    """

    _target_: str = "codeio.teachers.trace.TraceTeacher"
    model_name: str = "trace"
    """Name recorded as the responses' model."""
    timeout: float = 10.0
    """Wall-clock limit of one traced call in seconds (tracing is slower than a plain call). It enters the
    cache keys: it bounds the execution of deterministic code, so it decides which tasks get a rationale."""
    batch_size: int = field(default=256, metadata=TRANSPORT)
    """Traced calls handed to the executor at once."""
    # -- tracer (harness) limits
    max_events: int = 3000
    """Events recorded before the log is cut (it is then marked truncated)."""
    max_log_chars: int = 200_000
    """Approximate size of one log in characters before it is cut."""
    max_trace_seconds: float = 2.0
    """Wall time spent recording before it is cut; the call itself then finishes untraced."""
    max_depth: int = 60
    """Deepest user-code call recorded (deep recursion cuts the log)."""
    max_value_chars: int = 80
    """Characters per value summary in the log."""
    max_items: int = 8
    """Container items shown per value summary."""
    on_truncated: str = "render"
    """"render": write what was recorded, say the rest continues the same way, end with the answer.
    "error": treat a truncated log as a failure (reason ``trace_too_large``)."""
    # -- renderer limits
    max_steps: int = 60
    """Most step sentences per rationale."""
    max_chars: int = 6000
    """Soft cap on a rationale's length in characters (also bounded by ``max_tokens`` x 3)."""
    loop_head: int = 2
    """Iterations of a long loop written out in full at its start."""
    loop_tail: int = 1
    """Iterations written out in full at its end (the ones in between are summarised)."""
    max_call_depth: int = 2
    """Nested calls deeper than this are reported by their result only."""
    detailed_calls: int = 2
    """Calls of the same function written out step by step per block; later ones take one line."""
    seed: int = 0
    """Seeds the choice of phrasings (combined with the task id, sample index and sampling seed)."""

    def __post_init__(self) -> None:
        positive = ("timeout", "batch_size", "max_events", "max_log_chars", "max_trace_seconds", "max_depth",
                    "max_value_chars", "max_items", "max_steps", "max_chars")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"teacher.{name} must be > 0, got {getattr(self, name)}")
        for name in ("loop_head", "loop_tail", "max_call_depth", "detailed_calls"):
            if getattr(self, name) < 0:
                raise ValueError(f"teacher.{name} must be >= 0, got {getattr(self, name)}")
        if self.max_value_chars < 16:
            raise ValueError("teacher.max_value_chars must be at least 16")
        if self.on_truncated not in ("render", "error"):
            raise ValueError(f"teacher.on_truncated must be 'render' or 'error', got {self.on_truncated!r}")


SCHEMAS = {"teacher": {"trace_schema": TraceTeacherConfig}}
