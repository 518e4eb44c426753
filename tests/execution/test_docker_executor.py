"""What is specific to the docker executor (the breach suite in test_breaches.py runs on it as well).

Marked ``docker``: skipped, with the reason, only where no daemon answers (``.ci/run`` starts one).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from codeio.execution import make_executor
from codeio.execution.base import OK, TIMEOUT

from .test_breaches import docker_unavailable

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    if docker_unavailable():
        pytest.skip(docker_unavailable())
    from codeio.execution.docker import docker_client

    return docker_client()


def _ours(client, pid: int | None = None) -> list:
    from codeio.execution.docker import LABEL

    owner = f"{socket.gethostname()}:{pid or os.getpid()}"
    return [c for c in client.containers.list(all=True, filters={"label": LABEL})
            if c.labels.get(LABEL) == owner]


def test_docker_runs_jobs_inside_the_sandbox(client):
    with make_executor("docker", workers=1, timeout=2.0) as ex:
        assert set(ex.isolation) >= {"pid-namespace", "network-namespace", "private-uid", "seccomp",
                                     "scratch-per-job", "ipc-namespace-per-job"}, ex.missing
        ok = ex.run_one("import os\ndef main_solution(a):\n    return [a * 2, os.getuid()]\n", {"a": 21})
        assert ok.status == OK and ok.value()[0] == 42 and ok.value()[1] >= 1_600_000_000
        net = ex.run_one("import socket\ndef main_solution():\n"
                         "    socket.create_connection(('1.1.1.1', 53), timeout=1)\n", {})
        assert net.status != OK
        assert ex.run_one("def main_solution():\n    while True:\n        pass\n", {}).status == TIMEOUT
        assert len(_ours(client)) == 1
    deadline = time.monotonic() + 10
    while _ours(client) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ours(client) == [], "containers survive close()"


def test_no_docker_socket_inside(client):
    """Class 4: neither the daemon's socket nor /run, /sys or the host's sockets are in reach."""
    host_socket = (os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock").removeprefix("unix://")
    code = ("import os, socket\ndef main_solution(paths):\n    out = {}\n    for p in paths:\n"
            "        s = socket.socket(socket.AF_UNIX)\n        try:\n            s.connect(p)\n"
            "            out[p] = 'connected'\n        except OSError as exc:\n            out[p] = exc.errno\n"
            "    out['sys'] = os.listdir('/sys')\n    return out\n")
    paths = [host_socket, "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"]
    with make_executor("docker", workers=1, timeout=2.0) as ex:
        got = ex.run_one(code, {"paths": paths})
    assert got.status == OK, got
    assert "connected" not in got.value().values(), got.value()
    assert got.value()["sys"] == []


def test_kill_9_of_the_parent_removes_its_containers(client):
    """The containers of a parent killed with SIGKILL go away (stdin closes, auto-remove), and the
    start-up sweep removes any that did not."""
    script = ("from codeio.execution import make_executor\nimport time\n"
              "ex = make_executor('docker', workers=2, timeout=2.0)\n"
              "print(ex.run_one('def main_solution():\\n    return 1\\n', {}).value(), flush=True)\n"
              "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout.readline().strip() == "1"
        assert len(_ours(client, proc.pid)) == 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while _ours(client, proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        with make_executor("docker", workers=1, timeout=2.0):
            assert _ours(client, proc.pid) == [], "the dead parent's containers survived"
    finally:
        proc.kill()
        proc.wait()


def test_refuses_without_a_daemon_or_image(client, tmp_path):
    """Class 9: no daemon, or no image and building switched off, is an error that says what to do."""
    with pytest.raises(Exception, match="Connection|No such file|connect"):
        make_executor("docker", docker_host=f"unix://{tmp_path}/no-daemon.sock")
    with pytest.raises(RuntimeError, match="python -m codeio.execution.image"):
        make_executor("docker", image="codeio-no-such-image:never", build="none")


def _image_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeio.execution.image", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=600)


def test_image_command_builds_the_executor_image_without_a_registry(client):
    """The documented ``python -m codeio.execution.image``: finds an existing image, and (--force) builds
    sandbox/Dockerfile on the Debian base with no network, giving an image the executor runs jobs in."""
    found = _image_command()
    assert found.returncode == 0 and found.stdout.strip() == "codeio-exec:latest exists", found.stderr
    tag = f"codeio-exec-test:{uuid.uuid4().hex[:8]}"
    try:
        built = _image_command("--image", tag, "--force")
        assert built.returncode == 0 and built.stdout.strip() == f"built {tag}", built.stderr[-2000:]
        with make_executor("docker", workers=1, timeout=2.0, image=tag, build="none") as ex:
            got = ex.run_one("import numpy\ndef main_solution(n):\n    return int(numpy.arange(n).sum())\n",
                             {"n": 5})
        assert got.status == OK and got.value() == 10, got
    finally:
        client.images.remove(tag, force=True, noprune=False)


@pytest.mark.slow
def test_debian_base_image_from_debian_packages(client):
    """The registry-free base: debootstrap + docker import (2-3 minutes; needs Debian's package mirror)."""
    from codeio.execution.image import build_base

    tag = f"codeio-base-test:{uuid.uuid4().hex[:8]}"
    try:
        build_base(client, tag=tag)
        out = client.containers.run(tag, ["python3", "-c", "import numpy, sys; print(sys.version_info[0])"],
                                    remove=True, network_disabled=True)
        assert out.strip() == b"3"
    finally:
        client.images.remove(tag, force=True)
