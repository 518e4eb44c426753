"""The documented daemon commands: ``sandbox/dockerd.sh start|status|stop`` and ``.ci/run``'s handling of
the daemon it starts (stopped on any exit, a daemon it found running left alone). Each test runs its own
daemon on its own socket, data root and exec root, so it never touches another run's."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .test_breaches import docker_unavailable

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]
DOCKERD = REPO / "sandbox" / "dockerd.sh"

if os.geteuid() != 0 or not shutil.which("dockerd") or not shutil.which("docker"):
    pytest.skip("needs root and docker.io (dockerd, docker) to start a private daemon",
                allow_module_level=True)
if docker_unavailable():  # where no daemon could be started for the run (.ci/run starts one)
    pytest.skip(docker_unavailable(), allow_module_level=True)


@pytest.fixture
def daemon_env():
    """Paths of a private daemon; exec root short, as it holds unix sockets (108-byte limit)."""
    base = Path(tempfile.mkdtemp(prefix="cdd", dir="/tmp"))
    env = dict(os.environ, CODEIO_DOCKER_SOCK=str(base / "d.sock"), CODEIO_DOCKER_DATA=str(base / "data"),
               CODEIO_DOCKER_EXEC=str(base / "x"), CODEIO_DOCKER_PIDFILE=str(base / "d.pid"),
               CODEIO_DOCKER_LOG=str(base / "d.log"))
    yield env
    subprocess.run([str(DOCKERD), "stop"], env=env, check=False)
    shutil.rmtree(base, ignore_errors=True)


def _daemon_pid(env) -> int | None:
    try:
        pid = int(Path(env["CODEIO_DOCKER_PIDFILE"]).read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_dockerd_script_starts_answers_and_stops(daemon_env):
    assert subprocess.run([str(DOCKERD), "status"], env=daemon_env).returncode != 0
    started = subprocess.run([str(DOCKERD), "start"], env=daemon_env, capture_output=True, text=True,
                             timeout=60)
    assert started.returncode == 0, started.stderr
    host = started.stdout.strip()
    assert host == f"unix://{daemon_env['CODEIO_DOCKER_SOCK']}"
    version = subprocess.run(["docker", "-H", host, "version", "--format", "{{.Server.Version}}"],
                             capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and version.stdout.strip(), version.stderr
    assert subprocess.run([str(DOCKERD), "status"], env=daemon_env).returncode == 0
    again = subprocess.run([str(DOCKERD), "start"], env=daemon_env, capture_output=True, text=True)
    assert again.stdout.strip() == host, "a second start reuses the running daemon"
    pid = _daemon_pid(daemon_env)
    subprocess.run([str(DOCKERD), "stop"], env=daemon_env, check=True, timeout=60)
    assert pid and _gone(pid), "dockerd still running after stop"


def _ci_run_failing_at_the_venv(env, tmp_path) -> subprocess.CompletedProcess:
    """.ci/run up to its first step after the daemon: ``python3`` on PATH is a stand-in that fails."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text("#!/bin/sh\necho 'stand-in python3 fails' >&2\nexit 3\n")
    (fake / "python3").chmod(0o755)
    env = dict(env, PATH=f"{fake}:{env['PATH']}")
    env.pop("CI_VENV", None)
    return subprocess.run([str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True,
                          timeout=120)


def test_ci_run_stops_the_daemon_it_started_even_on_failure(daemon_env, tmp_path):
    venvs_before = set(Path("/tmp").glob("codeio-ci-venv.*"))
    done = _ci_run_failing_at_the_venv(daemon_env, tmp_path)
    assert done.returncode == 3, done.stderr
    log = Path(daemon_env["CODEIO_DOCKER_LOG"])
    assert log.exists(), ".ci/run did not start its daemon"
    pid = _daemon_pid(daemon_env)
    assert pid is None or _gone(pid), ".ci/run left its dockerd running after failing"
    assert subprocess.run([str(DOCKERD), "status"], env=daemon_env).returncode != 0
    assert set(Path("/tmp").glob("codeio-ci-venv.*")) <= venvs_before, "the fresh venv folder was left"


def test_ci_run_leaves_a_daemon_it_found_running(daemon_env, tmp_path):
    subprocess.run([str(DOCKERD), "start"], env=daemon_env, check=True, capture_output=True, timeout=60)
    pid = _daemon_pid(daemon_env)
    done = _ci_run_failing_at_the_venv(daemon_env, tmp_path)
    assert done.returncode == 3, done.stderr
    assert _daemon_pid(daemon_env) == pid, "stopped a daemon that .ci/run did not start"
