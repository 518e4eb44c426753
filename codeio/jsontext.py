"""JSON text shared by every layer (stdlib only, no codeio imports)."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, strict (NaN/inf raise ValueError)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
