"""Many small jobs in a row leave no zombies, leaked file descriptors, temp dirs or cgroups behind."""

from __future__ import annotations

import glob
import os
import tempfile

import pytest

from codeio.execution import Job, make_executor

from .conftest import FAST, descendants, stray_processes

CODE = ("import os\n"
        "def main_solution(i):\n"
        "    if i % 97 == 0 and os.fork() == 0:\n"  # now and then leave a child behind
        "        import time\n"
        "        time.sleep(100)\n"
        "    open('scratch.txt', 'w').write(str(i))\n"
        "    return i * i\n")


def _leftovers() -> set[str]:
    """What this process's executors could leave: cgroups named after this process (other codeio runs on
    the machine have their own), and host job folders (made only without a mount namespace)."""
    mine = f"codeio-exec-{os.getpid()}-*"
    return (set(glob.glob(os.path.join(tempfile.gettempdir(), "codeio-job-*")))
            | set(glob.glob(f"/sys/fs/cgroup/**/{mine}", recursive=True)))


def _run_many(executor_name: str, count: int, batch: int, **options) -> None:
    already_running = set(descendants(os.getpid()))  # left by other test modules, not ours to judge
    fds_before = set(os.listdir("/proc/self/fd"))
    leftovers_before = _leftovers()
    with make_executor(executor_name, **dict(FAST, **options)) as ex:
        for start in range(0, count, batch):
            results = ex.run([Job.single(CODE, {"i": i}) for i in range(start, min(count, start + batch))])
            values = [r.calls[0].value() for r in results]
            assert values == [i * i for i in range(start, min(count, start + batch))]
            zombies = {pid for pid, state in descendants(os.getpid()).items() if state == "Z"}
            assert not zombies
        assert stray_processes(ex) == {}
    assert set(descendants(os.getpid())) <= already_running, "processes survive close()"
    assert set(os.listdir("/proc/self/fd")) <= fds_before | {str(fd) for fd in range(3)}
    assert _leftovers() <= leftovers_before


def test_500_jobs_leave_nothing_behind():
    _run_many("forkserver", 500, 250)


def test_subprocess_executor_leaves_nothing_behind():
    _run_many("subprocess", 20, 10)


@pytest.mark.slow
def test_10000_jobs_leave_nothing_behind():
    _run_many("forkserver", 10_000, 1000)


def test_kill_9_of_the_parent_leaves_nothing_after_the_next_start(tmp_path):
    """A parent killed with SIGKILL: its workers exit (their stdin closes) and the next executor's
    start-up removes the cgroups it left."""
    import signal
    import subprocess
    import sys
    import time

    script = ("from codeio.execution import make_executor\nimport sys, time\n"
              "ex = make_executor('forkserver', workers=2, timeout=2.0)\n"
              "print(ex.run_one('def main_solution():\\n    return 1\\n', {}).value(), flush=True)\n"
              "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "1"
        pattern = f"/sys/fs/cgroup/**/codeio-exec-{proc.pid}-*"
        assert glob.glob(pattern, recursive=True), "the parent's worker cgroups exist while it runs"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(d for d in glob.glob(pattern, recursive=True)
                                                   if open(os.path.join(d, "cgroup.procs")).read().strip()):
            time.sleep(0.1)
        with make_executor("forkserver", **dict(FAST, workers=1)):
            assert not glob.glob(pattern, recursive=True), "the dead parent's cgroups survived the sweep"
    finally:
        proc.kill()
        proc.wait()
