"""Fixtures of the trace-teacher tests."""

from __future__ import annotations

import types

import pytest

from tests.trace.trace_helpers import load_harness


@pytest.fixture
def harness() -> types.ModuleType:
    return load_harness()
