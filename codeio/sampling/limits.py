"""PAPER.md's size check on input/output values (recursive), with configurable bounds.

Two measures of "size": ``json`` (our original rule: the value's compact JSON text, in UTF-8 bytes) and
``pympler`` (the paper's rule, as the authors' I/O generation script applies it: the recursive memory
size of the Python object from ``pympler.asizeof``). Per-item bounds (container lengths, string lengths)
are the same under both; "other scalars" are measured the same way as the whole value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SIZE_MEASURES = ("pympler", "json")


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _memory_bytes(value: Any) -> int:
    from pympler import asizeof  # light, pure Python; imported only when the paper's measure is used

    return asizeof.asizeof(value)


@dataclass(frozen=True)
class SizeLimits:
    """All bounds are strict (``<``); 0 disables a bound."""

    max_total_bytes: int = 1024
    """Whole value, in bytes of ``measure``."""
    max_items: int = 20
    """Items of every dict and list, at any depth."""
    max_str_chars: int = 100
    """Characters of every string (dict keys included), at any depth."""
    max_scalar_bytes: int = 128
    """Bytes (of ``measure``) of every other scalar (numbers, booleans, null)."""
    measure: str = "json"
    """``json``: compact JSON text in UTF-8 bytes; ``pympler``: recursive memory size
    (``pympler.asizeof``), the paper's measure."""

    def __post_init__(self) -> None:
        if self.measure not in SIZE_MEASURES:
            raise ValueError(f"size measure must be one of {list(SIZE_MEASURES)}, got {self.measure!r}")

    def size(self, value: Any) -> int:
        """``value``'s size in bytes under ``measure``."""
        return _memory_bytes(value) if self.measure == "pympler" else _json_bytes(value)

    def violation(self, value: Any, json_text: str | None = None) -> str | None:
        """None when ``value`` fits, else which bound it breaks (``total``/``items``/``string``/``scalar``).

        ``json_text`` (the value's compact JSON, if already at hand) saves re-encoding under ``json``."""
        if self.max_total_bytes:
            if self.measure == "json" and json_text is not None:
                total = len(json_text.encode("utf-8"))
            else:
                total = self.size(value)
            if total >= self.max_total_bytes:
                return "total"
        stack = [value]
        while stack:  # iterative: a deeply nested value cannot blow the recursion limit
            v = stack.pop()
            if isinstance(v, dict):
                if self.max_items and len(v) >= self.max_items:
                    return "items"
                for k, item in v.items():
                    stack.append(k)
                    stack.append(item)
            elif isinstance(v, (list, tuple, set, frozenset)):
                if self.max_items and len(v) >= self.max_items:
                    return "items"
                stack.extend(v)
            elif isinstance(v, str):
                if self.max_str_chars and len(v) >= self.max_str_chars:
                    return "string"
            elif self.max_scalar_bytes and self.size(v) >= self.max_scalar_bytes:
                return "scalar"
        return None
