"""The subprocess and bwrap executors, and the command-line interface."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codeio.execution import Call, Job, make_executor
from codeio.execution.base import CRASHED, EXCEPTION, OK, TIMEOUT

REPO = Path(__file__).resolve().parents[2]
HANG = "def main_solution():\n    while True:\n        pass\n"
SQUARE = "def main_solution(x):\n    return x * x\n"


def _common_behaviour(ex) -> None:
    jobs = [Job.single(SQUARE, {"x": 3}), Job.single(HANG, {}),
            Job(code="import os\ndef main_solution(d):\n    if d:\n        os._exit(0)\n    return 'up'\n",
                calls=[Call(kwargs_json='{"d": 1}'), Call(kwargs_json='{"d": 0}')]),
            Job(code="def main_solution():\n    raise KeyError('k')\n", calls=[Call(kwargs_json="{}")])]
    square, hang, crash, exc = ex.run(jobs)
    assert square.calls[0].status == OK and square.calls[0].value() == 9
    assert hang.calls[0].status == TIMEOUT
    assert [c.status for c in crash.calls] == [CRASHED, OK]
    assert exc.calls[0].status == EXCEPTION and exc.calls[0].error.startswith("KeyError")


def test_subprocess_executor():
    with make_executor("subprocess", workers=2, timeout=1.0) as ex:
        _common_behaviour(ex)


def test_subprocess_executor_with_a_foreign_python():
    """The runner is stdlib-only: any other interpreter works, even one without numpy."""
    other = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    with make_executor("subprocess", workers=1, timeout=2.0, python=other) as ex:
        result = ex.run_one("import sys\ndef main_solution():\n    return sys.executable\n", {})
        assert result.status == OK and result.value() == other


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed (apt-get install bubblewrap)")
def test_bwrap_executor():
    try:
        ex = make_executor("bwrap", workers=1, timeout=1.0)
    except Exception as exc:  # noqa: BLE001 - e.g. user namespaces disabled for bwrap
        pytest.skip(f"bwrap cannot start here: {exc}")
    with ex:
        _common_behaviour(ex)
        net = ex.run_one("import socket\ndef main_solution():\n"
                         "    socket.create_connection(('127.0.0.1', 22), timeout=0.5)\n", {})
        assert net.status == EXCEPTION
        write = ex.run_one("def main_solution(p):\n    open(p, 'w').write('x')\n", {"p": str(REPO / "bwrap-probe")})
        assert write.status == EXCEPTION and not (REPO / "bwrap-probe").exists()


def test_cli_round_trip(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    rows = [
        {"code": SQUARE, "kwargs": {"x": 7}},
        "not json",
        {"code": HANG},
        {"code": "def g(rng):\n    return {'x': rng.randint(1, 9)}\n" + SQUARE, "generator": "g", "seed": 3},
        {"code": SQUARE, "kwargs": [1]},
        {"code": "def f(x):\n    return {'x': x}\n", "entry": "f", "kwargs": {"x": [1, 2]}},
    ]
    jobs.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    proc = subprocess.run([sys.executable, "-m", "codeio.execute", "--executor", "forkserver", "--timeout", "1",
                           "--workers", "2", "--memory-mb", "512", str(jobs)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["status"] for o in out] == ["ok", "invalid_job", "timeout", "ok", "invalid_job", "ok"]
    assert out[0]["value"] == 49 and out[5]["value"] == {"x": [1, 2]}
    import random

    x = random.Random(3).randint(1, 9)
    assert out[3]["input"] == {"x": x} and out[3]["value"] == x * x
    assert set(out[0]) >= {"status", "value", "error", "seconds"}


def test_cli_rejects_options_of_other_executors(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"code": SQUARE, "kwargs": {"x": 1}}) + "\n")
    proc = subprocess.run([sys.executable, "-m", "codeio.execute", "--executor", "subprocess", "--warm-after", "8",
                           str(jobs)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode != 0 and "does not apply" in proc.stderr


USERNS_RUN = r'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe()
pid = os.fork()
if pid == 0:  # a user namespace mapping 0 and a subordinate range, as podman unshare or rootless runtimes do
    os.close(w)
    assert libc.unshare(0x10000000) == 0
    os.read(r, 1)
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    from codeio.execution import make_executor
    with make_executor("forkserver", workers=1, timeout=3.0) as ex:
        result = ex.run_one("import os\ndef main_solution():\n    return os.getuid()\n", {})
        print(result.status, result.value(), sorted(ex.missing))
    os._exit(0)
os.close(r)
while open("/proc/%d/status" % pid).read().count("NSpid") and os.readlink("/proc/%d/ns/user" % pid) == os.readlink("/proc/self/ns/user"):
    pass
for name in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (pid, name), "w") as f:
        f.write("0 0 1\n1 100000 65536\n")
os.write(w, b"x")
os.waitpid(pid, 0)
'''


def test_forkserver_in_a_user_namespace_with_subordinate_uids():
    """Where this process is root only inside a user namespace that maps a subordinate uid range, the
    jobs still get a uid of their own (folded into that range)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to write the user namespace's maps")
    proc = subprocess.run([sys.executable, "-c", USERNS_RUN], capture_output=True, text=True, cwd=REPO, timeout=120)
    status, uid, missing = proc.stdout.split(maxsplit=2)
    assert status == "ok" and 1 <= int(uid) <= 65536 and missing.strip() == "[]", proc.stdout + proc.stderr


def _oldest_python() -> str | None:
    """A Python 3.8 (the oldest the child side supports) if this machine has one (pyenv, /usr/bin)."""
    import glob

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3"))) + \
        [p for p in ("/usr/bin/python3.8",) if os.path.exists(p)]
    return found[0] if found else None


@pytest.mark.parametrize("name", ["forkserver", "subprocess"])
def test_child_side_runs_under_python_3_8(name):
    python = _oldest_python()
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    code = "import sys\ndef main_solution(x):\n    return [x, list(sys.version_info[:2]), '\\ud800']\n"
    with make_executor(name, workers=1, timeout=5.0, python=python) as ex:
        (result,) = ex.run([Job(code=code, calls=[Call(kwargs_json='{"x": 1}'), Call(kwargs_json='{"x": 2}')])])
    assert [c.value() for c in result.calls] == [[1, [3, 8], "\ud800"], [2, [3, 8], "\ud800"]]
    assert ex.missing == {}
