"""JSON text that can always be written out: canonical values, JSON Lines, Arrow-safe rows.

Python strings may hold lone surrogates (``'\\ud800'``: generated code returns them, model text
decoded from JSON escapes carries them). ``json.dumps(..., ensure_ascii=False)`` copies them raw,
and raw surrogates cannot be encoded as UTF-8, so one such value used to cost a whole output file.
Here they become ``\\udXXX`` escapes, which are valid JSON and decode back to the same string.

Standard library only, no codeio imports (the sandbox's child side keeps its own copy of the
canonical encoder and a test pins the two together).
"""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_lone_surrogates(text: str) -> str:
    """JSON text with every raw lone surrogate replaced by its ``\\udXXX`` escape (same value)."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, strict (NaN/inf raise ValueError), UTF-8 text
    except lone surrogates, which are escaped (so the text always encodes)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return escape_lone_surrogates(text)


def dumps_line(value: Any) -> str:
    """One JSON Lines record (``json.dumps(..., ensure_ascii=False)``) that always encodes as UTF-8."""
    return escape_lone_surrogates(json.dumps(value, ensure_ascii=False))


def dumps_arrow_safe(value: Any) -> str:
    """A JSON Lines record for Arrow, which rejects lone surrogates even as escapes: each one is
    stored as the six characters of its escape (``'\\ud800'`` becomes the text ``\\ud800``)."""
    text = json.dumps(value, ensure_ascii=False)
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text)
