"""The breach classes of the adversarial review, run against every executor that can start here.

Each test plays the attacker (the job knows our code) and then looks at the host side: canary files,
the host's keyrings, ``ipcs``, a host unix-socket listener's accept count, a sacrificial host process,
``/proc/sys`` values, every signal the trusted parent sends, and the values later jobs get. Statuses
are asserted too, but a job's own report is never the only evidence of isolation.

Classes (docs/execution.md keeps the table of class x executor -> test):
1 forged results for later jobs        2 the parent killing host processes chosen by the job
3 global kernel state                  4 secrets and host services
5 resources outside the limits         6 jobs steering the long-lived worker
7 state shared between checks          8 unrepresentable output   9 silent loss of isolation
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import pytest

from codeio.execution import Call, Job, make_executor
from codeio.execution.base import CRASHED, EXCEPTION, MEMORY, OK, TIMEOUT
from codeio.execution.config import EXECUTOR_CONFIGS

from .conftest import stray_processes

REPO = Path(__file__).resolve().parents[2]
SQUARE = "def main_solution(x):\n    return x * x\n"
SANDBOX_OPTIONS = {"workers": 1, "timeout": 3.0, "memory_mb": 256, "max_consecutive_timeouts": 2, "nproc": 64,
                   "tmp_size_mb": 32}
LOCAL = ["forkserver", "bwrap", "subprocess"]
EXECUTORS = [*LOCAL, pytest.param("docker", marks=pytest.mark.docker)]
_docker_missing: list[str] = []


def options_for(name: str, **extra) -> dict:
    """SANDBOX_OPTIONS restricted to what the executor's schema has."""
    known = {f.name for f in fields(EXECUTOR_CONFIGS[name])}
    return {k: v for k, v in dict(SANDBOX_OPTIONS, **extra).items() if k in known}


def docker_unavailable() -> str | None:
    """Why no Docker daemon can be used here (None when one answers)."""
    if not _docker_missing:
        try:
            from codeio.execution.docker import docker_client

            docker_client()
            _docker_missing.append("")
        except Exception as exc:  # noqa: BLE001 - any failure to reach a daemon means: skip
            _docker_missing.append(f"no Docker daemon answers here: {type(exc).__name__}: {str(exc)[:160]}")
    return _docker_missing[0] or None


def start(name: str, **extra):
    if name == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed (apt-get install bubblewrap)")
    if name == "docker" and docker_unavailable():
        pytest.skip(docker_unavailable())
    return make_executor(name, **options_for(name, **extra))


@pytest.fixture(scope="module", params=EXECUTORS)
def sandbox(request):
    with start(request.param) as ex:
        ex.name = request.param
        yield ex


def run1(ex, code, kwargs=None, **job):
    (result,) = ex.run([Job.single(code, kwargs or {}, **job)])
    return result.calls[0]


def value_of(result):
    assert result.status == OK, result
    return result.value()


def assert_pool_serves(ex):
    results = ex.run([Job.single(SQUARE, {"x": i}) for i in range(4)])
    assert [r.calls[0].status for r in results] == [OK] * 4, results
    assert [r.calls[0].value() for r in results] == [0, 1, 4, 9]


# ---------------------------------------------------------------------------------------------------
# Host-side instruments
def _ppid(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2:].split()[1])


@pytest.fixture
def signal_log(monkeypatch):
    """Every signal this (trusted) process sends to a process or group that exists and that it did not
    fork itself is recorded as a violation and *not* delivered."""
    violations: list[tuple] = []
    real_kill, real_killpg = os.kill, os.killpg

    def foreign(pid: int) -> bool:
        if pid <= 0:
            return True  # a broadcast or our own group: never what a job's cleanup needs
        parent = _ppid(pid)
        return parent is not None and parent != os.getpid()

    def kill(pid, sig):
        if sig != 0 and foreign(pid):
            violations.append(("kill", pid, sig))
            return None
        return real_kill(pid, sig)

    def killpg(pgid, sig):
        if sig != 0 and foreign(pgid):
            violations.append(("killpg", pgid, sig))
            return None
        if sig != 0 and _ppid(pgid) is None:  # leader gone: is the group someone else's?
            try:
                real_killpg(pgid, 0)
                violations.append(("killpg", pgid, sig))
                return None
            except OSError:
                pass
        return real_killpg(pgid, sig)

    monkeypatch.setattr(os, "kill", kill)
    monkeypatch.setattr(os, "killpg", killpg)
    yield violations


@pytest.fixture
def sacrificial():
    """A host process in its own process group that no job may have killed."""
    proc = subprocess.Popen(["sleep", "600"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def canaries():
    """Files a job must neither read nor change: world-writable ones (inside the repo's outputs/, in the
    host /tmp, in the interpreter's site-packages) and root-only secrets (repo, /tmp, home directory)."""
    token = secrets.token_hex(8)
    outputs = REPO / "outputs"
    outputs.mkdir(exist_ok=True)
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)))
    writable = [outputs / f".canary-{token}.txt", Path(tempfile.gettempdir()) / f"canary-{token}.txt",
                site / f"codeio_canary_{token}.txt"]
    secret_files = [outputs / f".secret-{token}", Path(tempfile.gettempdir()) / f"secret-{token}",
                    Path.home() / f".codeio-secret-{token}", Path("/run") / f"codeio-secret-{token}"]
    for path in writable:
        path.write_text("intact")
        os.chmod(path, 0o666)
    for path in secret_files:
        path.write_text(f"secret-{token}")
        os.chmod(path, 0o600)
    yield {"token": token, "writable": writable, "secret": secret_files}
    for path in writable + secret_files:
        path.unlink(missing_ok=True)


def assert_canaries_intact(canaries):
    for path in canaries["writable"]:
        assert path.read_text() == "intact", path
        assert stat.S_IMODE(path.stat().st_mode) == 0o666, path
    for path in canaries["secret"]:
        assert path.read_text() == f"secret-{canaries['token']}", path


# ---------------------------------------------------------------------------------------------------
# 1. Forged results for later jobs; 4. the worker's memory
OTHERS_PIPES = r'''
import os
def others_fds():
    """Every descriptor of another process this one can open for writing: (path, fd)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            path = "/proc/%s/fd/%s" % (pid, fd)
            try:
                yield path, os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
'''

FORGER = OTHERS_PIPES + r'''
import json, struct
def frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack(">I", len(data)) + data
def main_solution(rounds):
    payload = b""
    for seq in range(64):
        for i in range(3):
            payload += frame({"t": "call", "i": i, "seq": seq, "job": seq, "status": "ok", "value": '"forged"'})
        payload += frame({"t": "done", "seq": seq, "job": seq})
    opened = []
    for path, w in others_fds():
        opened.append(path)
        try:
            for _ in range(rounds):
                os.write(w, payload)
        except OSError:
            pass
        os.close(w)
    return opened
'''

MEMORY_READER = r'''
import os
def main_solution(secret):
    readable, found = [], []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            maps = open("/proc/%s/maps" % pid).read().splitlines()
            mem = open("/proc/%s/mem" % pid, "rb")
        except OSError:
            continue
        budget = 256 * 1024 * 1024
        with mem:
            for line in maps:
                span, perms = line.split()[:2]
                if not perms.startswith("r"):
                    continue
                lo, hi = (int(x, 16) for x in span.split("-"))
                if hi - lo > budget:
                    continue
                try:
                    mem.seek(lo)
                    chunk = mem.read(hi - lo)
                except (OSError, ValueError, OverflowError):
                    continue
                budget -= len(chunk)
                if pid not in readable:
                    readable.append(pid)
                if secret.encode() in chunk:
                    found.append(pid)
                    break
    return [readable, found]
'''


def test_forged_frames_never_reach_later_jobs(sandbox):
    """Class 1: a job that writes protocol frames into every pipe it can open outside itself."""
    results = sandbox.run([Job.single(FORGER, {"rounds": 2})] + [Job.single(SQUARE, {"x": i}) for i in range(6)])
    assert [r.calls[0].value() for r in results[1:]] == [i * i for i in range(6)], results[1:]
    assert all(r.calls[0].status == OK for r in results[1:])
    forger = results[0].calls[0]
    assert forger.status != OK or forger.value() == [], f"the job opened pipes of other processes: {forger}"
    assert_pool_serves(sandbox)


def test_worker_memory_is_out_of_reach(sandbox):
    """Class 4: the previous job's input must not be readable from another process's memory."""
    token = "codeio-mem-" + secrets.token_hex(12)
    first, reader = sandbox.run([Job.single("def main_solution(secret):\n    return len(secret)\n",
                                            {"secret": token}),
                                 Job.single(MEMORY_READER, {"secret": token}, timeout=10.0)])
    assert first.calls[0].status == OK
    readable, found = value_of(reader.calls[0])
    assert found == [] and readable == [], f"memory of other processes readable: {readable}, secret in {found}"


OWN_MEMORY_SCAN = r'''
import ctypes
def main_solution(head, tail):
    # the secret is head + tail; it is never assembled here, so only an inherited copy can match
    head, tail, found = head.encode(), tail.encode(), []
    for line in open("/proc/self/maps").read().splitlines():
        span, perms = line.split()[:2]
        if not perms.startswith("r") or "[vvar" in line or "[vsyscall" in line:
            continue
        lo, hi = (int(x, 16) for x in span.split("-"))
        if hi - lo > 1 << 28:
            continue
        try:
            chunk = ctypes.string_at(lo, hi - lo)
        except Exception:
            continue
        at = chunk.find(head)
        while at != -1:
            if chunk[at + len(head):at + len(head) + len(tail)] == tail:
                found.append(line)
                break
            at = chunk.find(head, at + 1)
    return found
'''


def test_earlier_jobs_data_is_not_in_a_later_jobs_memory(sandbox):
    """Class 4: a job process starts from a state that held no other job's data. (A job process forked
    from a worker that decoded earlier requests found the previous job's input in its own heap.)"""
    token = "codeio-own-" + secrets.token_hex(12)
    keeper = "def main_solution(secret):\n    return len(secret)\n"
    halves = json.dumps({"head": token[:14], "tail": token[14:]})
    # inputs of several sizes land in different allocators (a 200-character one stayed in the heap)
    keepers = [Job.single(keeper, {"secret": "x" * pad + token + "y" * pad}) for pad in (0, 100, 3000, 30000)]
    results = sandbox.run(keepers + [Job(code=OWN_MEMORY_SCAN, calls=[Call(kwargs_json=halves)] * 2,
                                         timeout=10.0)])
    assert all(r.calls[0].status == OK for r in results[:-1]), results[:-1]
    for call in results[-1].calls:  # the job process itself and a forked call process
        assert value_of(call) == [], f"an earlier job's input is in a later job's memory: {call}"


# ---------------------------------------------------------------------------------------------------
# 2. The trusted parent signals only what it forked
CRASHER = OTHERS_PIPES + r'''
import json, struct
def main_solution(pgid):
    forged = json.dumps({"t": "pid", "pid": pgid}).encode()
    deep = ("[" * 200000 + "]" * 200000).encode()
    sent = 0
    for _, w in others_fds():
        for body in (forged, deep):
            try:
                os.write(w, struct.pack(">I", len(body)) + body)
                sent += 1
            except OSError:
                pass
        os.close(w)
    top = os.getcwd()
    for _ in range(3000):  # a tree far deeper than recursive cleanup (or PATH_MAX) allows
        os.mkdir("d")
        os.chdir("d")
    os.chdir(top)
    return sent
'''


def test_parent_signals_only_processes_it_forked(sandbox, signal_log, sacrificial):
    """Class 2: forged pid frames, a deeply nested frame and a 3,000-level tree left behind."""
    pgid = os.getpgid(sacrificial.pid)
    results = sandbox.run([Job.single(CRASHER, {"pgid": pgid}, timeout=10.0)]
                          + [Job.single(SQUARE, {"x": i}) for i in range(4)])
    assert [r.calls[0].value() for r in results[1:]] == [0, 1, 4, 9], results
    assert_pool_serves(sandbox)
    assert sacrificial.poll() is None, "the sacrificial host process was killed"
    assert signal_log == [], f"the parent signalled processes it did not fork: {signal_log}"


@pytest.mark.parametrize("name", EXECUTORS)
def test_worker_crash_never_kills_by_namespace_pid(name, signal_log, sacrificial):
    """Class 2b: after a worker dies mid-job, the parent kills only what it forked (never pid 2, 3...)."""
    with start(name) as ex:
        code = ("import os, signal, time\ndef main_solution():\n"
                "    if os.fork() == 0:\n        time.sleep(100)\n"
                "    os.kill(1, signal.SIGKILL)\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                "    time.sleep(100)\n")
        results = ex.run([Job.single(code, {}, timeout=1.0), Job.single(SQUARE, {"x": 5})])
        assert results[0].calls[0].status in (OK, CRASHED, TIMEOUT, EXCEPTION)
        assert results[1].calls[0].value() == 25
    assert sacrificial.poll() is None
    assert signal_log == [], signal_log


# ---------------------------------------------------------------------------------------------------
# 3. Global kernel state
KERNEL_STATE = r'''
import ctypes, os, platform
NR = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}[platform.machine()]
def main_solution(key, desc, sysctl):
    libc = ctypes.CDLL(None, use_errno=True)
    out = {}
    try:
        with open("/proc/sys/kernel/core_pattern", "w"):
            out["core_pattern_writable"] = True
    except OSError as exc:
        out["core_pattern_writable"] = exc.errno
    try:
        old = open("/proc/sys/" + sysctl).read().strip()
        with open("/proc/sys/" + sysctl, "w") as f:
            f.write(str(int(old) - 1))
        out["sysctl_written"] = True
    except (OSError, ValueError) as exc:
        out["sysctl_written"] = getattr(exc, "errno", str(exc))
    for ring in (-4, -3):  # @u, @s
        out["add_key%d" % ring] = libc.syscall(NR["add_key"], b"user", desc.encode(), b"secret", 6, ring)
    out["find_key"] = libc.syscall(NR["keyctl"], 10, -4, b"user", desc.encode(), 0)  # KEYCTL_SEARCH @u
    libc.shmget.restype = ctypes.c_int
    out["shm"] = libc.shmget(key, 4096, 0o1000 | 0o666)  # IPC_CREAT
    out["msg"] = libc.msgget(key, 0o1000 | 0o666)
    out["shm_again"] = libc.shmget(key - 1, 0, 0)  # left by the earlier job (which used key - 1)?
    out["msg_again"] = libc.msgget(key - 1, 0)
    return out
'''

SYSCTL = "fs/lease-break-time"


def _host_key(desc: str) -> int:
    """The id of a ``user`` key named ``desc`` in the host's user keyring (root's), or -1."""
    libc = ctypes.CDLL(None, use_errno=True)
    nr = {"x86_64": 250, "aarch64": 219}[platform.machine()]
    return libc.syscall(nr, 10, -4, b"user", desc.encode(), 0)


def _ipcs_keys() -> set[int]:
    keys = set()
    for flag in ("-m", "-q"):
        out = subprocess.run(["ipcs", flag], capture_output=True, text=True, check=True).stdout
        keys |= {int(line.split()[0], 16) for line in out.splitlines() if line.startswith("0x")}
    return keys


@pytest.mark.parametrize("template", ["lean", "full"])
def test_kernel_state_is_neither_writable_nor_shared(sandbox, template):
    """Class 3: /proc/sys, keyrings and SysV IPC, for jobs of either job template (a job that names
    numpy runs in the full one)."""
    if shutil.which("ipcs") is None:
        pytest.skip("ipcs (util-linux) not installed")
    sysctl_before = Path("/proc/sys", SYSCTL).read_text()
    key = 0x2C0DE000 + secrets.randbelow(4096) * 2
    desc = "codeio-canary-" + secrets.token_hex(6)
    try:
        code = ("import numpy\n" if template == "full" else "") + KERNEL_STATE
        first, second = sandbox.run([Job.single(code, {"key": key, "desc": desc, "sysctl": SYSCTL}),
                                     Job.single(code, {"key": key + 1, "desc": desc + "x",
                                                               "sysctl": SYSCTL})])
        out1, out2 = value_of(first.calls[0]), value_of(second.calls[0])
        assert Path("/proc/sys", SYSCTL).read_text() == sysctl_before, "a host sysctl changed"
        assert out1["core_pattern_writable"] is not True and out1["sysctl_written"] is not True, out1
        assert _host_key(desc) == -1 and _host_key(desc + "x") == -1, "a job's key reached the host keyring"
        assert out2["find_key"] == -1, "a job found another job's key"
        assert not {key, key + 1} & _ipcs_keys(), "SysV objects of a job outlived it on the host"
        assert out2["shm_again"] == -1 and out2["msg_again"] == -1, (out1, out2)
    finally:
        Path("/proc/sys", SYSCTL).write_text(sysctl_before)
        for d in (desc, desc + "x"):
            key_id = _host_key(d)
            if key_id != -1:
                ctypes.CDLL(None).syscall({"x86_64": 250, "aarch64": 219}[platform.machine()], 21, key_id)
        for k in (key, key + 1):
            subprocess.run(["ipcrm", "-M", hex(k)], capture_output=True)
            subprocess.run(["ipcrm", "-Q", hex(k)], capture_output=True)


# ---------------------------------------------------------------------------------------------------
# 4. Secrets and host services
READER = r'''
import os
def main_solution(paths, dirs):
    got = {}
    for p in paths:
        try:
            got[p] = open(p).read()
        except OSError as exc:
            got[p] = exc.errno
    for d in dirs:
        try:
            got[d] = sorted(os.listdir(d))[:50]
        except OSError as exc:
            got[d] = exc.errno
    return got
'''

WRITER = r'''
import os, sys
def main_solution(paths):
    done = []
    targets = list(paths) + [p for p in sys.path if p and os.path.isdir(p)] + [sys.prefix, sys.base_prefix]
    for p in targets:
        try:
            if os.path.isdir(p):
                open(os.path.join(p, "planted.py"), "w").write("x = 1")
            else:
                open(p, "w").write("pwned")
            done.append(p)
        except OSError:
            pass
        try:
            os.chmod(p, 0o600)
            done.append("chmod " + p)
        except OSError:
            pass
    return done
'''


def test_secret_files_unreadable_and_canaries_unchanged(sandbox, canaries):
    """Class 4: root-only files, the home directory, the repository; nothing writable outside."""
    secret_paths = [str(p) for p in canaries["secret"]] + ["/etc/shadow"]
    dirs = [str(Path.home()), str(REPO), "/work", "/run", "/home"]
    got = value_of(run1(sandbox, READER, {"paths": secret_paths, "dirs": dirs}))
    for path in secret_paths:
        assert isinstance(got[path], int), f"{path} readable: {got[path]!r}"
    from codeio.execution.rootfs import interpreter_paths

    secret_names = {p.name for p in canaries["secret"]}
    for d in dirs:
        assert not secret_names & set(got[d] if isinstance(got[d], list) else []), f"host files in {d}: {got[d]}"
        if sandbox.name != "docker":  # a container shows its image's folders; here only the way to the
            on_path = {Path(p).relative_to(d).parts[0] for p in interpreter_paths(sys.executable)  # interpreter
                       if Path(p).is_relative_to(d) and Path(p) != Path(d)}
            assert not isinstance(got[d], list) or set(got[d]) <= on_path, f"{d} listable: {got[d]}"
    done = value_of(run1(sandbox, WRITER, {"paths": [str(p) for p in canaries["writable"]]}))
    # a path under /tmp is the job's own scratch in there: writing it leaves the host's file alone
    outside = [p for p in done if not p.split()[-1].startswith(("/tmp/", "/var/tmp/", "/dev/shm/"))]
    assert outside == [], f"wrote outside the sandbox: {outside}"
    assert_canaries_intact(canaries)
    for folder in {p.parent for p in canaries["writable"]} | {Path(sys.prefix)}:
        assert not (folder / "planted.py").exists()


SOCKETS = r'''
import socket
def main_solution(paths, abstract):
    out = {}
    for p in paths + ["\0" + abstract]:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(0.5)
        try:
            s.connect(p)
            s.sendall(b"hello")
            out[p[:40]] = "connected"
        except OSError as exc:
            out[p[:40]] = exc.errno
        s.close()
    return out
'''


def test_host_unix_sockets_unreachable(sandbox, tmp_path):
    """Class 4: pathname sockets of the host (in /tmp, in the repository) and an abstract one."""
    name = secrets.token_hex(6)
    listeners, paths = [], []
    for folder in (Path(tempfile.gettempdir()), REPO / "outputs"):
        path = str(folder / f"codeio-sock-{name}")
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        os.chmod(path, 0o777)
        s.listen(8)
        listeners.append(s)
        paths.append(path)
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0codeio-abstract-" + name)
    abstract.listen(8)
    listeners.append(abstract)
    try:
        got = value_of(run1(sandbox, SOCKETS, {"paths": paths, "abstract": "codeio-abstract-" + name}))
        accepted = 0
        for s in listeners:
            s.setblocking(False)
            try:
                s.accept()[0].close()
                accepted += 1
            except BlockingIOError:
                pass
        assert accepted == 0, f"host listeners accepted {accepted} connections: {got}"
        assert "connected" not in got.values(), got
    finally:
        for s in listeners:
            s.close()
        for p in paths:
            Path(p).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------
# 5. Resources outside the limits
HOARDER = r'''
import os
def main_solution(where, mib):
    """Hold memory in files of 8 MiB (each under the file-size limit), all kept open."""
    block = b"x" * (1 << 20)
    held, keep = 0, []
    try:
        while held < mib:
            if where == "memfd":
                fd = os.memfd_create("hoard%d" % held)
            else:
                fd = os.open(os.path.join(where, "hoard%d" % held), os.O_CREAT | os.O_WRONLY, 0o600)
            keep.append(fd)
            for _ in range(8):
                os.write(fd, block)
                held += 1
    except (OSError, MemoryError) as exc:
        return [held, type(exc).__name__]
    return [held, "no limit"]
'''

SPREAD_HOARDER = r'''
import os, select, time
def main_solution(children, mib):
    """Each child holds ``mib`` MiB (under its own address-space limit); together they hold more.
    Counts the children that filled their share and are still alive (a loaded machine may take a while
    to fill it, so each child reports when done instead of the parent guessing a delay)."""
    read_end, write_end = os.pipe()
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_end)
                ballast = bytearray(mib << 20)
                for i in range(0, len(ballast), 4096):
                    ballast[i] = 1
                os.write(write_end, b'x')
                time.sleep(30)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(write_end)
    filled, dead, deadline = 0, set(), time.monotonic() + 12
    while filled + len(dead) < children and time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.1)[0]:
            filled += len(os.read(read_end, 64))
        for pid in pids:
            if pid not in dead and os.waitpid(pid, os.WNOHANG)[0]:
                dead.add(pid)
    time.sleep(0.5)  # let the kernel act on the last allocation
    alive = sum(1 for pid in pids if pid not in dead and os.waitpid(pid, os.WNOHANG)[0] == 0)
    return min(filled, alive) * mib
'''

FORKER = r'''
import os, time
def main_solution(count):
    made = 0
    for _ in range(count):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
    return made
'''


def test_memory_outside_the_address_space_limit_is_capped(sandbox):
    """Class 5: pages held in a memfd or in /dev/shm count against the job's memory (256 MiB here)."""
    for where in ("memfd", "/dev/shm", "/tmp"):
        result = run1(sandbox, HOARDER, {"where": where, "mib": 600}, timeout=20.0)
        if result.status == OK:
            held, why = result.value()
            assert held < 256 and why != "no limit", (where, result.value())
        else:
            assert result.status in (MEMORY, CRASHED), (where, result)
    assert_pool_serves(sandbox)


@pytest.mark.parametrize("name", EXECUTORS)
def test_memory_of_all_job_processes_is_capped(name):
    """Class 5: the worker's memory cgroup caps what all of a job's processes hold together."""
    with start(name, memory_mb=96, tmp_size_mb=8, cgroup_headroom_mb=160) as ex:
        result = run1(ex, SPREAD_HOARDER, {"children": 6, "mib": 80}, timeout=15.0)
        limit = 96 + 3 * 8 + 160
        if result.status == OK:
            assert result.value() < limit, (name, result)
        else:
            assert result.status in (MEMORY, CRASHED), (name, result)
        assert_pool_serves(ex)


def test_process_count_is_capped(sandbox):
    """Class 5: 400 forks at nproc=64."""
    made = value_of(run1(sandbox, FORKER, {"count": 400}, timeout=10.0))
    assert made <= 64, f"{made} processes forked at nproc=64"
    assert stray_processes(sandbox) == {}


def test_scratch_space_is_private_per_job_and_wiped(sandbox):
    """Class 5: files left in /tmp, /var/tmp, /dev/shm and the working directory, and a full /tmp."""
    leave = ("import os\ndef main_solution():\n"
             "    for d in ('/tmp', '/var/tmp', '/dev/shm', '.'):\n"
             "        open(os.path.join(d, 'left-behind'), 'w').write('x')\n"
             "    block = b'x' * (1 << 20)\n"
             "    try:\n        with open('/tmp/fill', 'wb') as f:\n"
             "            while True:\n                f.write(block)\n"
             "    except OSError as exc:\n        return exc.errno\n")
    look = ("import os\ndef main_solution():\n"
            "    seen = [os.path.join(d, n) for d in ('/tmp', '/var/tmp', '/dev/shm', '.')\n"
            "            for n in os.listdir(d) if n in ('left-behind', 'fill')]\n"
            "    open('room', 'wb').write(b'y' * (1 << 20))\n"
            "    return seen\n")
    first, second = sandbox.run([Job.single(leave, {}), Job.single(look, {})])
    assert first.calls[0].status == OK, first
    assert value_of(second.calls[0]) == [], second


TRACER = r'''
import os
def main_solution():
    done = []
    for action in (lambda: os.chmod(".", 0o755), lambda: os.setxattr(".", "user.codeio", b"left"),
                   lambda: os.utime(".", ns=(1, 1)), lambda: os.close(os.open("/tmp/gone", os.O_CREAT | os.O_WRONLY)),
                   lambda: os.unlink("/tmp/gone"), lambda: os.listdir("/tmp"), lambda: os.listdir("/var/tmp"),
                   lambda: os.listdir("/dev/shm"), lambda: os.mkdir("sub"), lambda: os.rmdir("sub")):
        try:
            action()
            done.append(True)
        except OSError:
            done.append(False)
    return done
'''

OBSERVER = r'''
import os
def main_solution():
    view = {"xattrs": sorted(os.listxattr("."))}
    for name, path in (("tmp", "/tmp"), ("var_tmp", "/var/tmp"), ("dev_shm", "/dev/shm"), ("cwd", ".")):
        info = os.lstat(path)
        view[name] = [oct(info.st_mode), info.st_nlink, info.st_size, sorted(os.listdir(path)),
                      info.st_atime_ns == info.st_mtime_ns, info.st_mtime_ns == info.st_ctime_ns,
                      info.st_mtime_ns > 10**9]
    return view
'''


def test_scratch_shows_no_trace_of_earlier_jobs(sandbox):
    """Class 5: whatever a job changed in its scratch (a file made and removed, a listing, the working
    directory's mode, times and extended attributes) is invisible to the next job: it sees exactly
    what a job sees after one that did nothing."""
    noop = "def main_solution():\n    return 0\n"
    tracer, after_tracer, _, after_noop = sandbox.run([Job.single(TRACER, {}), Job.single(OBSERVER, {}),
                                                       Job.single(noop, {}), Job.single(OBSERVER, {})])
    assert tracer.calls[0].status == OK and any(value_of(tracer.calls[0])), tracer
    assert value_of(after_tracer.calls[0]) == value_of(after_noop.calls[0])
    assert value_of(after_noop.calls[0])["cwd"][0] == oct(0o40700)


# ---------------------------------------------------------------------------------------------------
# 6. Jobs steering the long-lived worker
STEER = r'''
import builtins, sys, smtplib
_real = builtins.__import__
def _import(name, *args, **kwargs):
    if name == "json":
        raise ImportError("steered")
    return _real(name, *args, **kwargs)
builtins.__import__ = _import
main = sys.modules.get("__main__")
for attr in list(vars(main)) if main else []:
    if callable(getattr(main, attr, None)) and not attr.startswith("__"):
        try:
            setattr(main, attr, lambda *a, **k: {"status": "ok", "value": '"steered"'})
        except Exception:
            pass
sys.modules["fake_job_module"] = type(sys)("fake_job_module")
def main_solution(x):
    return x + 1
'''

PROBE = ("import sys, builtins\n"
         "EMAIL = 'email' in sys.modules\n"
         "def main_solution():\n"
         "    import json\n"
         "    return [EMAIL, 'fake_job_module' in sys.modules, type(builtins.__import__).__name__]\n")


def test_jobs_cannot_steer_the_worker(sandbox):
    """Class 6: warm imports chosen by jobs (a denied module pulled in through an allowed one), patched
    builtins and child-loop functions."""
    with start(sandbox.name, warm_imports_deny=["email"], warm_after=2) as ex:
        results = ex.run([Job.single(STEER, {"x": 1}) for _ in range(4)] + [Job.single(PROBE, {})] * 3)
        for r in results[:4]:
            assert r.calls[0].status == OK and r.calls[0].value() == 2, r  # its own report is the real one
        for r in results[4:]:
            assert value_of(r.calls[0]) == [False, False, "builtin_function_or_method"], r


# ---------------------------------------------------------------------------------------------------
# 7. Verdicts must not depend on batching or order
SEEN = "def main_solution(words, seen=[]):\n    seen.extend(words)\n    return len(seen)\n"


def test_each_call_starts_from_the_loaded_state(sandbox):
    """Class 7: calls of one job never see each other's module state (verifier, sampler, rerun)."""
    calls = [Call(kwargs_json='{"words": ["a"]}'), Call(kwargs_json='{"words": ["b", "c"]}'),
             Call(kwargs_json='{"words": ["d"]}')]
    (result,) = sandbox.run([Job(code=SEEN, calls=calls)])
    assert [c.value() for c in result.calls] == [1, 2, 1], result


def test_verdicts_do_not_depend_on_batching(sandbox):
    from codeio.verify.verifier import Verifier, VerifyItem

    def item(words):
        return VerifyItem(refcode=SEEN, funcname="main_solution", kind="input", input_json='{"words":["a","b"]}',
                          output_json="2", response=json.dumps({"input": {"words": words}}))

    wrong, other_wrong, right = item(["x"]), item(["y"]), item(["a", "b"])
    verifier = Verifier(timeout=3.0)
    alone = [verifier.verify([i], sandbox)[0].status for i in (wrong, other_wrong, right)]
    assert alone == ["mismatch", "mismatch", "success"]
    for order in ([wrong, other_wrong, right], [right, other_wrong, wrong], [other_wrong, right, wrong]):
        verdicts = verifier.verify(order, sandbox)
        expected = {id(wrong): "mismatch", id(other_wrong): "mismatch", id(right): "success"}
        assert [v.status for v in verdicts] == [expected[id(i)] for i in order]


def test_determinism_rerun_sees_fresh_state(sandbox):
    from codeio.execution.determinism import check_determinism

    counter = "calls = []\ndef main_solution(x):\n    calls.append(x)\n    return len(calls)\n"
    job = Job(code=counter, calls=[Call(kwargs_json=json.dumps({"x": i})) for i in range(3)])
    (result,) = sandbox.run([job])
    assert [c.value() for c in result.calls] == [1, 1, 1]
    assert check_determinism(sandbox, [job], [result]) == [[True, True, True]]


# ---------------------------------------------------------------------------------------------------
# 8. Unrepresentable output
def test_lone_surrogates_keep_the_batch(sandbox):
    jobs = [Job.single("def main_solution():\n    return '\\ud800'\n", {}),
            Job.single("def main_solution():\n    raise ValueError('bad \\udcff text')\n", {}),
            Job.single("def main_solution():\n    return {'\\udfff': ['\\ud83d']}\n", {}),
            Job.single(SQUARE, {"x": 3})]
    surrogate, error, nested, square = (r.calls[0] for r in sandbox.run(jobs))
    assert square.status == OK and square.value() == 9
    assert surrogate.status == OK and surrogate.value() == "\ud800", surrogate
    assert nested.status == OK and nested.value() == {"\udfff": ["\ud83d"]}, nested
    assert error.status == "exception" and error.error.startswith("ValueError: bad"), error
    assert "\\udcff" in error.error or "\udcff" in error.error


SURROGATE_JOBS = [
    {"code": "def main_solution():\n    return '\\ud800'\n"},
    {"code": "def main_solution():\n    raise ValueError('bad \\udcff text')\n"},
    {"code": "def main_solution(s):\n    return s + '!'\n", "kwargs": {"s": "\ud83d"}},
    {"code": SQUARE, "kwargs": {"x": 5}},
]


def test_cli_keeps_every_line_with_unrepresentable_values(tmp_path):
    """Class 8: ``python -m codeio.execute`` writes one line per job, surrogates escaped, exit 0."""
    jobs = tmp_path / "jobs.jsonl"
    # the last line holds a byte that is not UTF-8: a bad job, not a crash
    jobs.write_bytes("".join(json.dumps(row) + "\n" for row in SURROGATE_JOBS).encode() + b'{"code": "\xff"}\n')
    proc = subprocess.run([sys.executable, "-m", "codeio.execute", "--workers", "1", "--timeout", "3", str(jobs)],
                          capture_output=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [o["status"] for o in out] == ["ok", "exception", "ok", "ok", "exception"], out
    assert out[0]["value"] == "\ud800" and out[2]["value"] == "\ud83d!" and out[3]["value"] == 25
    assert out[1]["error"] == "ValueError: bad \udcff text"


def test_verify_cli_keeps_every_line_with_unrepresentable_text(tmp_path):
    """Class 8: a model answer or a task holding a lone surrogate costs nothing but its own verdict."""
    rows = [{"refcode": SQUARE, "kind": "output", "input": {"x": 2}, "output": 4,
             "response": '{"output": "\\ud800"}'},
            {"refcode": SQUARE, "kind": "output", "input": {"x": 2}, "output": 4, "response": "\ud800 4"},
            {"refcode": "def main_solution(s):\n    return s\n", "kind": "input", "input": {"s": "\udfff"},
             "output": "\udfff", "response": '{"input": {"s": "\\udfff"}}'},
            {"refcode": SQUARE, "kind": "output", "input": {"x": 3}, "output": 9, "response": '{"output": 9}'}]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = subprocess.run([sys.executable, "-m", "codeio.verify", str(path), "--workers", "1", "-q"],
                          capture_output=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [o["status"] for o in out] == ["mismatch", "no_answer", "success", "success"], out


def test_save_rows_keeps_rows_with_lone_surrogates(tmp_path):
    """Class 8: a stage's rows holding lone surrogates are written (each stored as its escape text)."""
    import datasets

    from codeio.pipeline.store import save_rows

    count = save_rows([{"text": "ok"}, {"text": "bad \ud800 end"}, {"text": "\U0001f600"}], tmp_path / "rows")
    assert count == 3
    assert datasets.load_from_disk(str(tmp_path / "rows"))["text"] == ["ok", "bad \\ud800 end", "\U0001f600"]


# ---------------------------------------------------------------------------------------------------
# 9. No silent loss of isolation
IDENTITY = r"""
import os, resource, sys
def main_solution():
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    wanted = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in
              ("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_MSGQUEUE")}
    return {"status": {k: status[k].split() for k in wanted}, "limits": limits, "cwd": os.getcwd(),
            "env": sorted(os.environ.items()), "ipc": os.readlink("/proc/self/ns/ipc"),
            "fds": sorted(os.listdir("/proc/self/fd")), "pgid_is_pid": os.getpgid(0) == os.getpid(),
            "third_party_loaded": sorted({m.split(".")[0] for m in sys.modules if not m.startswith("_")}
                                         - set(sys.stdlib_module_names) - {"sitecustomize", "usercustomize"})}
"""


def test_lean_and_full_templates_apply_the_same_measures(sandbox):
    """Class 9: a job that spells ``np``/``numpy`` (here only in a comment) runs in the full job template; one
    that cannot tell runs in the lean one, which has no third-party module loaded. Both take exactly the
    same sandbox: uid, groups, capabilities, no_new_privs, seccomp, limits, working directory,
    environment, descriptors and process group."""
    lean, full, lean_again = sandbox.run([Job.single(IDENTITY, {}), Job.single("# numpy\n" + IDENTITY, {}),
                                           Job.single(IDENTITY, {})])
    lean, full, lean_again = (r.calls[0] for r in (lean, full, lean_again))
    assert lean.status == full.status == OK, (lean, full)
    lean, full, lean_again = lean.value(), full.value(), lean_again.value()
    assert lean.pop("third_party_loaded") == []
    assert "numpy" in full.pop("third_party_loaded")
    for report in (lean, full, lean_again):  # (inode numbers of ended namespaces are reused: see class 3)
        assert report.pop("ipc").startswith("ipc:")
    for report in (lean, full):  # the worker's private uid (the two jobs may have run on two workers)
        ids = report["status"].pop("Uid") + report["status"].pop("Gid")
        assert len(set(ids)) == 1 and ids[0] != "0", ids
    assert lean == full
    assert lean["status"]["Seccomp"] == ["2"] and lean["status"]["NoNewPrivs"] == ["1"]
    assert lean["status"]["CapEff"] == lean["status"]["CapBnd"] == ["0000000000000000"]
    assert lean["pgid_is_pid"] is True


REFUSE_UNSHARE = r'''
import sys
sys.path.insert(0, {repo!r})
from codeio.execution.child.seccomp import install
install(deny=("unshare", "clone_namespaces"))
from codeio.execution import make_executor
try:
    ex = make_executor({name!r}, workers=1, timeout=2.0, **{extra!r})
except Exception as exc:
    print("REFUSED", exc)
    sys.exit(0)
print("STARTED", ex.isolation)
ex.close()
'''


@pytest.mark.parametrize("name", LOCAL)
def test_refuses_to_start_without_isolation(name):
    """Class 9: when namespaces are refused, starting fails and names the opt-in; with it, it starts."""
    if name == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    script = REFUSE_UNSHARE.format(repo=str(REPO), name=name, extra={})
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("REFUSED"), proc.stdout + proc.stderr
    assert "executor.allow_unsandboxed=true" in proc.stdout
    if name != "bwrap":  # bwrap is a sandbox or nothing
        script = REFUSE_UNSHARE.format(repo=str(REPO), name=name, extra={"allow_unsandboxed": True})
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert proc.stdout.startswith("STARTED"), proc.stdout + proc.stderr


def test_jobs_cannot_harm_the_cli_or_each_other(tmp_path):
    """Class 9 (subprocess executor, through the CLI): killing the parent CLI, daemons outliving the run,
    writing into other jobs' working directories."""
    marker = tmp_path / "daemon-was-here"
    os.chmod(tmp_path, 0o777)
    jobs = tmp_path / "jobs.jsonl"
    daemon = ("import os, time\ndef main_solution(p):\n    if os.fork() == 0:\n        os.setsid()\n"
              "        if os.fork() == 0:\n            time.sleep(1.5)\n            open(p, 'w').write('x')\n"
              "        os._exit(0)\n    return 'spawned'\n")
    killer = ("import os, signal\ndef main_solution():\n    for pid in (os.getppid(), 1):\n        try:\n"
              "            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass\n"
              "    return 'alive'\n")
    snoop = ("import os\ndef main_solution():\n    for top in ('/tmp', '/var/tmp', '/dev/shm', '/'):\n"
             "        for d in os.listdir(top):\n            path = os.path.join(top, d)\n"
             "            if os.path.isdir(path) and not os.path.samefile(path, '.'):\n"
             "                try:\n                    open(os.path.join(path, 'snooped'), 'w').write('x')\n"
             "                except OSError:\n                    pass\n"
             "    return sorted(os.listdir('.'))\n")
    rows = [{"code": daemon, "kwargs": {"p": str(marker)}}, {"code": killer}] + [{"code": snoop}] * 4
    rows += [{"code": SQUARE, "kwargs": {"x": 4}}]
    jobs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = subprocess.run([sys.executable, "-m", "codeio.execute", "--executor", "subprocess", "--workers", "2",
                           "--timeout", "3", str(jobs)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(rows)
    assert out[-1]["value"] == 16
    assert all(o["status"] == "ok" and o["value"] == [] for o in out[2:6]), out[2:6]
    time.sleep(2.0)
    assert not marker.exists(), "a daemon outlived the run"
