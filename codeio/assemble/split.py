"""The holdout split: whole functions go to training or to evaluation, never both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codeio.records import stable_id


def split_by_function(
    rows: Sequence[dict[str, Any]], fraction: float, seed: int = 0, key: str = "function_id"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split rows into (train, held-out) by function: every row of a function lands on the same side.

    ``round(fraction * functions)`` functions are held out (at least one when ``fraction > 0`` and
    there are two or more functions), chosen by a seeded hash of the function id, so the choice does not
    depend on row order. Rows without ``key`` are kept in train. Order within each side is preserved.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], got {fraction}")
    functions = sorted({str(r[key]) for r in rows if r.get(key) is not None})
    n_hold = round(fraction * len(functions))
    if fraction > 0 and n_hold == 0 and len(functions) >= 2:
        n_hold = 1
    ranked = sorted(functions, key=lambda f: (stable_id("holdout", seed, f), f))
    held = set(ranked[:n_hold])
    train = [r for r in rows if str(r.get(key)) not in held]
    holdout = [r for r in rows if str(r.get(key)) in held]
    return train, holdout
