"""Is a predicted value the expected one? PAPER.md step 6, on decoded JSON values (never on code).

Two values match when their canonical JSON texts are equal, or when they are *close*:
- dicts: the same key set, and every value close;
- lists: the same length, and every item close, position by position;
- numbers (int or float, never bool): both finite, the same integer part (``int(x)``, truncation toward
  zero) and a relative error ``|a - b| <= rel_tol * max(|a|, |b|)`` (``abs_tol`` adds an absolute
  slack, 0 by default as in the paper);
- everything else (strings, bools, null): equal, and of the same type. ``True`` never matches ``1``.

NaN and +-inf never match anything, themselves included. The walk is iterative, so a deeply nested
value cannot exhaust the interpreter's recursion limit.
"""

from __future__ import annotations

import math
from typing import Any

from codeio.execution.base import canonical_json

DEFAULT_REL_TOL = 1e-3


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def numbers_close(a: float, b: float, rel_tol: float = DEFAULT_REL_TOL, abs_tol: float = 0.0) -> bool:
    """The paper's number rule: finite, same integer part, relative error within ``rel_tol``."""
    if isinstance(a, float) and not math.isfinite(a):
        return False
    if isinstance(b, float) and not math.isfinite(b):
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a == b  # ints with equal integer parts are equal: exact, no float rounding of big ints
    if int(a) != int(b):
        return False
    diff = abs(a - b)
    return diff <= abs_tol or diff <= rel_tol * max(abs(a), abs(b))


def _canonical_or_none(value: Any) -> str | None:
    try:
        return canonical_json(value)
    except (TypeError, ValueError, RecursionError):
        return None


def values_close(predicted: Any, expected: Any, rel_tol: float = DEFAULT_REL_TOL, abs_tol: float = 0.0) -> bool:
    """Recursive closeness (without the canonical-text shortcut)."""
    stack: list[tuple[Any, Any]] = [(predicted, expected)]
    while stack:
        a, b = stack.pop()
        if _is_number(a) and _is_number(b):
            if not numbers_close(a, b, rel_tol, abs_tol):
                return False
        elif isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                return False
            stack.extend((a[k], b[k]) for k in a)
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif isinstance(a, bool) and isinstance(b, bool):
            if a is not b:
                return False
        elif isinstance(a, str) and isinstance(b, str):
            if a != b:
                return False
        elif a is None and b is None:
            continue
        else:
            return False  # different kinds (bool vs int, str vs number, list vs dict, ...)
    return True


def outputs_match(predicted: Any, expected: Any, rel_tol: float = DEFAULT_REL_TOL, abs_tol: float = 0.0) -> bool:
    """PAPER.md's rule: equal canonical JSON text, else recursive closeness."""
    text_a = _canonical_or_none(predicted)
    if text_a is not None and text_a == _canonical_or_none(expected):
        return True
    return values_close(predicted, expected, rel_tol, abs_tol)
