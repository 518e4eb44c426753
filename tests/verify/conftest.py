"""A real sandboxed executor shared by the verification tests (predicted inputs only run there)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def executor():
    from codeio.execution import make_executor

    ex = make_executor("forkserver", timeout=1.0, memory_mb=512, workers=2)
    try:
        yield ex
    finally:
        ex.close()
