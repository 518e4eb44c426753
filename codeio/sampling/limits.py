"""PAPER.md's size check on input/output values (recursive), with configurable bounds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SizeLimits:
    """All bounds are strict (``<``); 0 disables a bound."""

    max_total_bytes: int = 1024
    """Whole value, as compact JSON (UTF-8 bytes)."""
    max_items: int = 20
    """Items of every dict and list, at any depth."""
    max_str_chars: int = 100
    """Characters of every string (dict keys included), at any depth."""
    max_scalar_bytes: int = 128
    """JSON bytes of every other scalar (numbers, booleans, null)."""

    def violation(self, value: Any, json_text: str | None = None) -> str | None:
        """None when ``value`` fits, else which bound it breaks (``total``/``items``/``string``/``scalar``)."""
        if self.max_total_bytes:
            text = json_text if json_text is not None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            if len(text.encode("utf-8")) >= self.max_total_bytes:
                return "total"
        stack = [value]
        while stack:  # iterative: a deeply nested value cannot blow the recursion limit
            v = stack.pop()
            if isinstance(v, dict):
                if self.max_items and len(v) >= self.max_items:
                    return "items"
                for k, item in v.items():
                    if self.max_str_chars and len(str(k)) >= self.max_str_chars:
                        return "string"
                    stack.append(item)
            elif isinstance(v, list):
                if self.max_items and len(v) >= self.max_items:
                    return "items"
                stack.extend(v)
            elif isinstance(v, str):
                if self.max_str_chars and len(v) >= self.max_str_chars:
                    return "string"
            elif self.max_scalar_bytes and len(json.dumps(v)) >= self.max_scalar_bytes:
                return "scalar"
        return None
