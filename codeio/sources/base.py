"""The source interface: what the ``collect`` stage reads.

A source is built from its typed config (``__init__(self, cfg)``; resolve paths there, so a missing file
fails at start-up) and yields, in a deterministic order, either ``RawCode`` rows (dicts) or ``Rejected``
markers for input it could not use. The order must be stable across runs so that collect's chunks can
resume.
"""

from __future__ import annotations

import glob
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class Rejected:
    """One unusable input item: counted in the stage summary under ``reason``, never fatal."""

    reason: str
    detail: str = ""


class Source(ABC):
    name: str = "source"
    """Corpus name written into every row's ``source`` field."""
    unified: ClassVar[bool] = False
    """The rows carry functions already in the unified format (``unified_json``): an importer, whose
    rows the transform stage only checks, with no LLM. False: raw code for the LLM rewrite."""

    @classmethod
    def yields_unified(cls, cfg: Any) -> bool:
        """Whether a source built from ``cfg`` yields unified functions (read before building it)."""
        return cls.unified

    @abstractmethod
    def iter_items(self) -> Iterator[dict[str, Any] | Rejected]:
        """Yield ``RawCode`` rows (as dicts) or ``Rejected`` markers."""


def expand_paths(path: str) -> list[Path]:
    """A file, a directory's files, or a glob, sorted; raises ValueError naming the setting when empty."""
    p = Path(path).expanduser()
    if p.is_file():
        return [p]
    matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True))
    files = [m for m in matches if m.is_file()]
    if not files:
        raise ValueError(f"source.path={path!r} matches no file (cwd: {Path.cwd()})")
    return files
