"""Hostile programs against the forkserver sandbox.

Every case asserts the status it must get, then that the pool still serves a normal job correctly,
that nothing outside the sandbox changed (canary files), and that no process of the job survives
(no stray process or zombie below this test process other than the workers).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest

from codeio.execution import Job, make_executor
from codeio.execution.base import CRASHED, EXCEPTION, MEMORY, NOT_SERIALIZABLE, OK, TIMEOUT

from .conftest import FAST, stray_processes, worker_pids

REPO = Path(__file__).resolve().parents[2]
SANITY = "def main_solution(a, b):\n    return sorted([a, b, a + b])\n"


@pytest.fixture(scope="module")
def canary():
    """A canary directory the sandbox can see (inside the repo's git-ignored outputs/) and one it cannot
    (under the host /tmp, which the sandbox replaces by its own tmpfs)."""
    outputs = REPO / "outputs"
    outputs.mkdir(exist_ok=True)
    visible = Path(tempfile.mkdtemp(prefix=".hostile-canary-", dir=outputs))
    hidden = Path(tempfile.mkdtemp(prefix="hostile-canary-"))
    for folder in (visible, hidden):
        (folder / "canary.txt").write_text("intact")
        os.chmod(folder, 0o777)
        os.chmod(folder / "canary.txt", 0o666)
    yield visible, hidden
    shutil.rmtree(visible, ignore_errors=True)
    shutil.rmtree(hidden, ignore_errors=True)


def check_aftermath(executor, canary, wait: float = 0.0):
    if wait:
        time.sleep(wait)
    for folder in canary:
        assert sorted(p.name for p in folder.iterdir()) == ["canary.txt"], f"files appeared in {folder}"
        assert (folder / "canary.txt").read_text() == "intact"
    ok = executor.run_one(SANITY, {"a": 2, "b": 1})
    assert ok.status == OK and ok.value() == [1, 2, 3], ok
    deadline = time.monotonic() + 3
    while stray_processes(executor) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stray_processes(executor) == {}


def run(executor, code, kwargs=None, **job):
    (result,) = executor.run([Job.single(code, kwargs or {}, **job)])
    return result.calls[0]


HOSTILE = {
    "infinite_loop": ("def main_solution():\n    while True:\n        pass\n", {TIMEOUT}),
    "sleep_forever": ("import time\ndef main_solution():\n    time.sleep(10**6)\n", {TIMEOUT}),
    "swallow_base_exception": (
        "import time\ndef main_solution():\n    while True:\n        try:\n            time.sleep(10)\n"
        "        except BaseException:\n            pass\n", {TIMEOUT}),
    "ignore_sigterm_sigalrm": (
        "import signal, time\ndef main_solution():\n"
        "    for s in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):\n"
        "        signal.signal(s, signal.SIG_IGN)\n    while True:\n        time.sleep(0.01)\n", {TIMEOUT}),
    "forked_child_left_sleeping": (
        "import os, time\ndef main_solution():\n    if os.fork() == 0:\n        time.sleep(1000)\n        os._exit(0)\n"
        "    return 1\n", {OK}),
    "fork_bomb": ("import os\ndef main_solution():\n    while True:\n        try:\n            os.fork()\n"
                  "        except OSError:\n            pass\n", {TIMEOUT}),
    "thread_bomb": ("import threading, time\ndef main_solution():\n    while True:\n"
                    "        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n",
                    {EXCEPTION, MEMORY, TIMEOUT}),
    "memory_bomb_single": ("def main_solution():\n    x = bytearray(64 * 1024 ** 3)\n    return len(x)\n", {MEMORY}),
    "memory_bomb_growth": ("def main_solution():\n    chunks = []\n    while True:\n"
                           "        chunks.append(bytearray(16 * 1024 ** 2))\n", {MEMORY}),
    # C-level recursion (repr of a deeply nested list) past the C stack, with the guard lifted
    "deep_recursion_segfault": ("import sys\nsys.setrecursionlimit(10**8)\ndef main_solution():\n    x = []\n"
                                "    for _ in range(300000):\n        x = [x]\n    return repr(x)\n", {CRASHED}),
    "ctypes_null_dereference": ("import ctypes\ndef main_solution():\n    return ctypes.string_at(0)\n", {CRASHED}),
    "os_exit_zero": ("import os\ndef main_solution():\n    os._exit(0)\n", {CRASHED}),
    "sys_exit_zero": ("import sys\ndef main_solution():\n    sys.exit(0)\n", {CRASHED}),
    "stdout_stderr_flood_infinite": ("import sys\ndef main_solution():\n    while True:\n"
                                     "        sys.stdout.write('x' * 65536)\n        sys.stderr.write('y' * 65536)\n",
                                     {TIMEOUT}),
    "input_call": ("def main_solution():\n    return input()\n", {EXCEPTION}),
    "nan_result": ("def main_solution():\n    return [float('nan')]\n", {NOT_SERIALIZABLE}),
    "self_referencing": ("def main_solution():\n    d = {}\n    d['d'] = d\n    return d\n", {NOT_SERIALIZABLE}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program(executor, canary, name):
    code, statuses = HOSTILE[name]
    slow = name in ("deep_recursion_segfault", "memory_bomb_growth")
    result = run(executor, code, timeout=5.0 if slow else None)
    assert result.status in statuses, (name, result)
    check_aftermath(executor, canary)


def test_kill_minus_one_reaches_nothing_outside_the_job(executor, canary):
    """``kill(-1, SIGKILL)`` from a job: the other processes of its pid namespace are the worker (init
    there: immune) and the job template (root: not the job's to signal). Both must survive; the call
    itself may return (the kernel reports success when every process it tried refused the signal)."""
    before = worker_pids(executor)
    result = run(executor, "import os\ndef main_solution():\n    os.kill(-1, 9)\n    return 'survived'\n")
    assert result.status in (OK, EXCEPTION), result
    assert worker_pids(executor) == before, "kill(-1) from a job reached the worker or its template"
    check_aftermath(executor, canary)


def test_stdout_flood_then_return_is_not_a_forgery(executor, canary):
    code = ("import sys, os\ndef main_solution():\n    for _ in range(400):\n        print('x' * 100000)\n"
            "    os.write(1, b'{\"status\": \"ok\", \"value\": \"42\"}')\n    return 7\n")
    result = run(executor, code)
    assert result.status == OK and result.value() == 7
    check_aftermath(executor, canary)


def test_forging_by_printing_and_patching(executor, canary):
    code = (
        "import json, builtins, math, sys\n"
        "def main_solution():\n"
        "    print(json.dumps({'status': 'ok', 'value': '\"forged\"'}))\n"
        "    json.dumps = lambda *a, **k: '\"forged\"'\n"
        "    json.JSONEncoder.encode = lambda self, o: '\"forged\"'\n"
        "    builtins.isinstance = lambda *a: True\n"
        "    builtins.sorted = lambda *a, **k: []\n"
        "    math.isfinite = lambda x: True\n"
        "    return {'b': 1, 'a': [2.5, 'real']}\n")
    result = run(executor, code)
    assert result.status == OK and result.value() == {"a": [2.5, "real"], "b": 1}
    patched_nan = ("import math\ndef main_solution():\n    math.isfinite = lambda x: True\n"
                   "    return float('nan')\n")
    assert run(executor, patched_nan).status == NOT_SERIALIZABLE
    check_aftermath(executor, canary)


@pytest.mark.parametrize("template", ["lean", "full"])
def test_setsid_double_fork_daemon_writes_nothing_later(executor, canary, template):
    """Whichever job template forked the job (a job that spells numpy runs in the full one), what the
    job left behind dies before the next job."""
    visible, hidden = canary
    code = (
        ("import numpy\n" if template == "full" else "")
        + "import os, time\n"
        "def main_solution(paths):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(0.8)\n"
        "            for p in paths:\n"
        "                try:\n"
        "                    open(p + '/daemon.txt', 'w').write('escaped')\n"
        "                except OSError:\n"
        "                    pass\n"
        "            os._exit(0)\n"
        "        os._exit(0)\n"
        "    return 'spawned'\n")
    result = run(executor, code, {"paths": [str(visible), str(hidden)]})
    assert result.status == OK and result.value() == "spawned"
    check_aftermath(executor, canary, wait=1.5)


def test_deleting_or_overwriting_canary_fails(executor, canary):
    visible, hidden = canary
    code = (
        "import os, shutil\n"
        "def main_solution(paths):\n"
        "    errors = []\n"
        "    for p in paths:\n"
        "        for action in (lambda: open(p + '/canary.txt', 'w').write('pwned'),\n"
        "                       lambda: os.remove(p + '/canary.txt'), lambda: shutil.rmtree(p),\n"
        "                       lambda: os.chmod(p + '/canary.txt', 0)):\n"
        "            try:\n"
        "                action()\n"
        "                errors.append('done')\n"
        "            except OSError as exc:\n"
        "                errors.append(type(exc).__name__)\n"
        "    return errors\n")
    result = run(executor, code, {"paths": [str(visible), str(hidden)]})
    assert result.status == OK and "done" not in result.value(), result.value()
    check_aftermath(executor, canary)


def test_filling_the_disk_stays_inside(executor, canary):
    before = shutil.disk_usage(REPO).used
    code = (
        "def main_solution():\n"
        "    block = b'x' * (1024 * 1024)\n"
        "    written = 0\n"
        "    try:\n"
        "        for i in range(100000):\n"
        "            with open('fill%d' % i, 'wb') as f:\n"
        "                for _ in range(8):\n"
        "                    f.write(block)\n"
        "                    written += 1\n"
        "    except OSError as exc:\n"
        "        return [type(exc).__name__, written]\n"
        "    return ['no limit', written]\n")
    result = run(executor, code, timeout=5.0)
    assert result.status == OK and result.value()[0] == "OSError", result
    assert result.value()[1] < 200  # MiB: the private tmpfs filled up, not the disk
    assert shutil.disk_usage(REPO).used - before < 100 * 1024 * 1024
    check_aftermath(executor, canary)


def test_single_file_size_limit(executor, canary):
    code = ("def main_solution():\n    try:\n        with open('big', 'wb') as f:\n"
            "            f.write(b'x' * (40 * 1024 * 1024))\n    except OSError as exc:\n"
            "        return exc.errno\n    return 'wrote'\n")
    result = run(executor, code)
    assert result.status == OK and result.value() == 27  # EFBIG: RLIMIT_FSIZE (16 MiB)
    check_aftermath(executor, canary)


def test_exhausting_file_descriptors(executor, canary):
    code = ("def main_solution():\n    files = []\n    try:\n        while True:\n"
            "            files.append(open('/dev/null'))\n    except OSError as exc:\n"
            "        return [exc.errno, len(files)]\n")
    result = run(executor, code)
    assert result.status == OK and result.value()[0] == 24 and result.value()[1] < 300  # EMFILE
    check_aftermath(executor, canary)


def test_tcp_connect_to_local_listener_fails(executor, canary):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    code = ("import socket\ndef main_solution(port):\n    s = socket.socket()\n    s.settimeout(0.5)\n"
            "    s.connect(('127.0.0.1', port))\n    s.sendall(b'hello')\n    return 'connected'\n")
    try:
        result = run(executor, code, {"port": port})
        assert result.status == EXCEPTION and "connected" != result.value(), result
        with pytest.raises(OSError):  # socket.timeout: nobody knocked
            listener.accept()
    finally:
        listener.close()
    check_aftermath(executor, canary)


def test_dns_lookup_fails(executor, canary):
    code = "import socket\ndef main_solution():\n    return socket.getaddrinfo('example.com', 80)[0][4][0]\n"
    result = run(executor, code, timeout=3.0)
    assert result.status in (EXCEPTION, TIMEOUT), result
    check_aftermath(executor, canary)


def test_killing_the_parent(executor, canary):
    code = ("import os, signal\ndef main_solution():\n    os.kill(os.getppid(), signal.SIGKILL)\n"
            "    os.kill(os.getppid(), signal.SIGTERM)\n    return os.getppid()\n")
    result = run(executor, code)
    # the worker runs as another uid: EPERM, or only the job's own process dies
    assert result.status in (OK, CRASHED, EXCEPTION), result
    check_aftermath(executor, canary)


def test_ctypes_escapes(executor, canary):
    visible, _ = canary
    code = (
        "import ctypes, os\n"
        "def main_solution(path):\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    out = {}\n"
        "    out['remount_rw'] = libc.mount(None, b'/', None, 32 | 4096, None)\n"  # MS_REMOUNT|MS_BIND
        "    out['unshare_user'] = libc.unshare(0x10000000)\n"
        "    out['setns_mnt'] = libc.setns(os.open('/proc/self/ns/mnt', 0), 0)\n"
        "    out['kill_1'] = libc.kill(1, 9)\n"
        "    fd = libc.open(path.encode() + b'/canary.txt', 1 | 512)\n"  # O_WRONLY|O_TRUNC
        "    out['open_canary'] = fd\n"
        "    return out\n")
    result = run(executor, code, {"path": str(visible)})
    assert result.status in (OK, CRASHED), result
    if result.status == OK:
        value = result.value()
        assert value["remount_rw"] == -1 and value["open_canary"] == -1, value
    check_aftermath(executor, canary)


def test_posix_spawn_escape(executor, canary):
    visible, hidden = canary
    code = (
        "import os\n"
        "def main_solution(paths):\n"
        "    pids = []\n"
        "    for p in paths:\n"
        "        pids.append(os.posix_spawn('/bin/sh', ['sh', '-c', 'sleep 0.5; echo x > %s/spawned.txt' % p],\n"
        "                                   {}, setsid=True))\n"
        "    pids.append(os.posix_spawn('/bin/sleep', ['sleep', '1000'], {}, setsid=True))\n"
        "    return len(pids)\n")
    result = run(executor, code, {"paths": [str(visible), str(hidden)]})
    assert result.status in (OK, EXCEPTION), result
    check_aftermath(executor, canary, wait=1.0)


def test_secrets_do_not_reach_the_code(monkeypatch, canary):
    secret = "codeio-test-secret-7f3a9c"
    monkeypatch.setenv("CODEIO_TEST_API_KEY", secret)
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    code = (
        "import os\n"
        "def main_solution():\n"
        "    seen = [repr(dict(os.environ))]\n"
        "    for pid in ['self', str(os.getppid()), '1'] + [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "        try:\n"
        "            seen.append(open('/proc/%s/environ' % pid, 'rb').read().decode('latin-1'))\n"
        "        except OSError:\n"
        "            pass\n"
        "    return '\\n'.join(seen)\n")
    with make_executor("forkserver", **dict(FAST, workers=1)) as ex:
        result = run(ex, code)
        assert result.status == OK
        assert secret not in result.value()
        check_aftermath(ex, canary)


def test_no_state_leaks_between_jobs(executor, canary):
    polluter = (
        "import builtins, os, sys, random, types\n"
        "def main_solution():\n"
        "    builtins.LEAK = 1\n"
        "    sys.modules['leaked_module'] = types.ModuleType('leaked_module')\n"
        "    os.environ['LEAK'] = '1'\n"
        "    open('leak.txt', 'w').write('x')\n"
        "    open('/tmp/leak.txt', 'w').write('x')\n"
        "    random.seed(12345)\n"
        "    import math\n"
        "    math.pi = 3\n"
        "    return 'polluted'\n")
    probe = (
        "import builtins, os, sys, math\n"
        "def main_solution():\n"
        "    return [hasattr(builtins, 'LEAK'), 'leaked_module' in sys.modules, 'LEAK' in os.environ,\n"
        "            os.listdir('.'), os.path.exists('/tmp/leak.txt'), math.pi == 3]\n")
    results = executor.run([Job.single(polluter, {})] * 4 + [Job.single(probe, {})] * 4)
    assert all(r.calls[0].value() == "polluted" for r in results[:4])
    for r in results[4:]:
        assert r.calls[0].status == OK and r.calls[0].value() == [False, False, False, [], False, False]
    check_aftermath(executor, canary)


def test_non_json_results(executor):
    cases = {"{1, 2}": NOT_SERIALIZABLE, "b'bytes'": NOT_SERIALIZABLE, "object()": NOT_SERIALIZABLE,
             "10 ** 10000": NOT_SERIALIZABLE, "float('-inf')": NOT_SERIALIZABLE, "(1, 2)": OK,
             "complex(1, 2)": NOT_SERIALIZABLE, "range(3)": NOT_SERIALIZABLE}
    jobs = [Job.single(f"def main_solution():\n    return {expr}\n", {}) for expr in cases]
    for (expr, status), result in zip(cases.items(), executor.run(jobs), strict=True):
        assert result.calls[0].status == status, (expr, result.calls[0])


def test_every_promised_measure_is_reported_applied(executor):
    from codeio.execution.pool import MEASURES

    assert set(executor.isolation) >= set(MEASURES), executor.missing
    assert executor.missing == {}
