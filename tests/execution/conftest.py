"""Fixtures of the executor tests: one shared forkserver pool and process-tree inspection helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeio.execution import make_executor

FAST = {"workers": 2, "timeout": 1.0, "memory_mb": 512, "max_consecutive_timeouts": 2}


@pytest.fixture(scope="module")
def executor():
    with make_executor("forkserver", **FAST) as ex:
        yield ex


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, state) for every process we can see."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(rest[1]), rest[0])
    return table


def descendants(root: int) -> dict[int, str]:
    """pid -> state of every descendant of ``root``."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = {}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found[child] = table[child][1]
            stack.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _is_launcher(pid: int) -> bool:
    """A process an executor starts: ``launch.py launch`` (forkserver, subprocess) or bubblewrap."""
    cmd = _cmdline(pid)
    return b"launch.py\x00launch" in cmd or cmd.startswith(b"bwrap\x00")


def _is_worker(pid: int) -> bool:
    cmd = _cmdline(pid)
    return b"launch.py\x00launch" in cmd or b"launch.py\x00worker" in cmd


def _is_namespace_init(pid: int) -> bool:
    """True for pid 1 of a child pid namespace (the forkserver's inner worker)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                ids = line.split()[1:]
                return len(ids) >= 2 and ids[-1] == "1"
    except OSError:
        pass
    return False


def worker_pids(executor=None) -> set[int]:
    """Pids of live executor workers started by this process: each launcher (a direct child), the
    worker inside it (pid 1 of its own namespace) and the worker's job template (its child, forked
    without exec). Job processes are never included: after a job the template has killed them all."""
    table = _proc_table()
    outer = {pid for pid, (ppid, state) in table.items()
             if ppid == os.getpid() and state != "Z" and _is_launcher(pid)}
    inner = {pid for pid, (ppid, state) in table.items()
             if ppid in outer and state != "Z" and _is_worker(pid) and _is_namespace_init(pid)}
    templates = {pid for pid, (ppid, state) in table.items()
                 if ppid in inner and state != "Z" and _is_worker(pid) and not _is_namespace_init(pid)}
    return outer | inner | templates


_PREEXISTING: set[int] = set()


@pytest.fixture(autouse=True)
def _note_preexisting_processes():
    """Children that other test modules left running before this test (session-scoped executors of
    other packages, servers) are not this test's strays."""
    _PREEXISTING.clear()
    _PREEXISTING.update(pid for pid, state in descendants(os.getpid()).items() if state != "Z")
    yield


def stray_processes(executor) -> dict[int, str]:
    """Processes below this test process that are neither workers nor other test machinery, nor were
    already running when the test started; zombies too."""
    allowed = worker_pids(executor) | _PREEXISTING
    return {pid: state for pid, state in descendants(os.getpid()).items()
            if pid not in allowed or state == "Z"}
