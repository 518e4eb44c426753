"""Config of the verify stage (group ``verifier``): answer extraction, checking, feedback wording.

Light module: no heavy imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class VerifierConfig:
    """How responses are checked (PAPER.md step 6) and what feedback they get (step 7)."""

    _target_: str = "codeio.verify.verifier.Verifier"
    rel_tol: float = 1e-3
    """Numbers match when their relative error is at most this and their integer parts are equal."""
    abs_tol: float = 0.0
    """Extra absolute slack for numbers (0 = the paper's rule; integer parts must still be equal)."""
    timeout: float = 5.0
    """Seconds the reference code may run on a predicted input (paper: 5 s)."""
    max_calls_per_job: int = 32
    """Input-prediction checks of one function batched into one executor job, at most."""
    max_shown_chars: int = 400
    """Values and errors quoted in feedback messages are clipped to this many characters."""
    feedback_file: str | None = None
    """YAML file of feedback messages (same names as ``codeio/templates/feedback.yaml``) replacing the
    bundled wording, or a bundled set by name: ``paper`` (the released data's messages,
    ``codeio/templates/feedback_paper.yaml``; set by ``+experiment=codeio``); null = the bundled messages."""
    feedback: dict[str, str] = field(default_factory=dict)
    """Per-message overrides applied last, e.g. ``verifier.feedback.output_mismatch='Wrong: {answer}'``."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rel_tol) and self.rel_tol >= 0):
            raise ValueError(f"verifier.rel_tol must be a finite number >= 0, got {self.rel_tol}")
        if not (math.isfinite(self.abs_tol) and self.abs_tol >= 0):
            raise ValueError(f"verifier.abs_tol must be a finite number >= 0, got {self.abs_tol}")
        if not self.timeout > 0:
            raise ValueError(f"verifier.timeout must be > 0, got {self.timeout}")
        if self.max_calls_per_job < 1:
            raise ValueError("verifier.max_calls_per_job must be >= 1")
        if self.max_shown_chars < 16:
            raise ValueError("verifier.max_shown_chars must be >= 16")


SCHEMAS = {"verifier": {"default_schema": VerifierConfig}}
