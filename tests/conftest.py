"""Shared fixtures: where the read-only external data lives, and skips when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeio.shared_data import shared_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = shared_data_dir()  # ../shared/data beside the repository, or $CODEIO_SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test when the external data is not beside the repository."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"external data not found at {SHARED_DATA} (see ../shared/data/README.md)")
    return SHARED_DATA


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or skip with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"external data file missing: {path}")
    return path
