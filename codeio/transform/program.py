"""How a unified function becomes one executable program, and the per-call seeds."""

from __future__ import annotations

import hashlib

from codeio.records import stable_id


def program_code(refcode: str, inputgen: str | None) -> str:
    """The code a job loads: the generator first, then the reference code.

    The reference code comes last so that a helper in the generator can never replace the entry
    function; both are module level, so either may use names the other defines.
    """
    if not inputgen:
        return refcode
    return inputgen.rstrip() + "\n\n\n" + refcode


def call_seed(base_seed: int, function_id: str, index: int | str) -> int:
    """A 31-bit seed for one call, stable across runs and machines (no Python ``hash``)."""
    digest = hashlib.sha256(stable_id("call-seed", base_seed, function_id, index).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
