"""The docker executor (needs a Docker daemon: marked ``docker``, skipped with the reason otherwise)."""

from __future__ import annotations

import pytest

from codeio.execution.base import OK, TIMEOUT

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def docker_executor():
    from codeio.execution.docker import docker_client

    try:
        docker_client()
    except Exception as exc:  # noqa: BLE001 - any failure to reach a daemon means: skip
        pytest.skip(f"no Docker daemon answers here: {type(exc).__name__}: {str(exc)[:120]}")
    from codeio.execution import make_executor

    with make_executor("docker", workers=1, timeout=2.0) as ex:
        yield ex


def test_docker_runs_jobs_and_isolates(docker_executor):
    ok = docker_executor.run_one("def main_solution(a):\n    return a * 2\n", {"a": 21})
    assert ok.status == OK and ok.value() == 42
    net = docker_executor.run_one(
        "import socket\ndef main_solution():\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n", {})
    assert net.status != OK
    hang = docker_executor.run_one("def main_solution():\n    while True:\n        pass\n", {})
    assert hang.status == TIMEOUT
    again = docker_executor.run_one("import os\ndef main_solution():\n    return os.getuid()\n", {})
    assert again.status == OK and again.value() != 0
