"""Where the read-only external data lives (``../shared/data``: reference corpora, benchmarks).

One rule, used by configs (``${codeio.shared_data:cruxeval/cruxeval.jsonl}``), command-line defaults
and tests alike: ``$CODEIO_SHARED_DATA`` when set, else ``shared/data`` beside the repository checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CODEIO_SHARED_DATA"
REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The external data folder (it may be missing: callers report or skip, never download)."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else REPO_ROOT.parent / "shared" / "data"


def shared_data_path(relative: str = "") -> str:
    """A path inside the external data folder, as text (the ``codeio.shared_data`` config resolver)."""
    return str(shared_data_dir() / relative) if relative else str(shared_data_dir())
