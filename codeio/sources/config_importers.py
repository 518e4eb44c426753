"""Configs of the importers of already-unified corpora (``source=unified``, ``source=reasoning_gym``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UnifiedSourceConfig:
    """Unified-function JSONL (paper's released raw schema, optional ``inputgen``)."""

    _target_: str = "codeio.sources.unified.UnifiedSource"
    path: str = "???"
    """A JSONL file, a directory or a glob."""
    name: str = "unified"
    """Corpus name written into every row's ``source`` (per-source sampler settings key on it)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("source.name must be a non-empty string")


@dataclass
class ReasoningGymSourceConfig:
    """reasoning-gym CodeI/O files (gzipped JSON array or JSONL with ``generate_inputs(rng)``)."""

    _target_: str = "codeio.sources.reasoning_gym.ReasoningGymSource"
    path: str | None = None
    """A file or glob; None = the copies inside the installed ``reasoning-gym`` package."""
    name: str = "reasoning_gym"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("source.name must be a non-empty string")


SCHEMAS = {
    "source": {
        "unified_schema": UnifiedSourceConfig,
        "reasoning_gym_schema": ReasoningGymSourceConfig,
    }
}
