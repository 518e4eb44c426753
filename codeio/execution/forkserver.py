"""The default executor: pre-warmed workers that fork one sandboxed child per job.

Each worker is a separate interpreter running ``_runner.py worker`` in its own session with a scrubbed
environment. It imports the prelude once, then for every job forks a child that (when the kernel
allows) lives in its own pid namespace inside the worker's network-less, read-only mount namespace,
switches to an unprivileged uid, applies rlimits and runs all the job's calls. The worker enforces the
per-call wall clock and kills the child's whole process tree; this parent keeps a watchdog over each
worker, respawns a worker that dies, and re-validates every reply (``common.call_result``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from codeio.execution import _runner
from codeio.execution.base import CRASHED, CallResult, Executor, Job, JobResult
from codeio.execution.common import RUNNER_PATH, build_config, call_result, job_request, runner_options
from codeio.execution.config import ForkserverConfig

log = logging.getLogger(__name__)

WATCHDOG_GRACE = 15.0
"""Seconds beyond a call's timeout the parent waits for a worker before declaring it lost."""


class WorkerLost(Exception):
    pass


def sweep_stale_cgroups(root: str = "/sys/fs/cgroup/pids") -> None:
    """Remove empty worker cgroups whose launcher no longer exists (left by a killed parent)."""
    try:
        names = [n for n in os.listdir(root) if n.startswith("codeio-exec-")]
    except OSError:
        return
    for name in names:
        pid = name.rsplit("-", 1)[-1]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass


class WorkerProcess:
    """One worker interpreter and the protocol to it (used by a single thread at a time)."""

    def __init__(self, argv: list[str], env: dict[str, str], init: dict[str, Any], startup_timeout: float,
                 debug: bool = False):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None if debug else subprocess.DEVNULL, env=env, cwd="/", start_new_session=True,
                                     close_fds=True)
        self.child_pgid: int | None = None
        self.read_fd = self.proc.stdout.fileno()
        self.handshake(init, startup_timeout, argv)

    def handshake(self, init: dict[str, Any], startup_timeout: float, argv: Any) -> None:
        try:
            self.send(init)
            ready = _runner.read_msg(self.read_fd, time.monotonic() + startup_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            self.kill()
            raise RuntimeError(f"executor worker failed to start: {exc!r}") from exc
        if not isinstance(ready, dict) or ready.get("t") != "ready":
            self.kill()
            raise RuntimeError(f"executor worker failed to start (argv {argv}): {ready!r}")
        self.info = ready

    def send(self, message: dict[str, Any]) -> None:
        _runner.write_msg(self.proc.stdin.fileno(), message)

    def run(self, request: dict[str, Any], n_calls: int, timeout: float, results: list[Any]) -> None:
        """Send a job request; fill ``results[i]`` with reply dicts. Raises WorkerLost if the worker dies
        or stalls (``results`` then holds what arrived)."""
        fd = self.read_fd
        try:
            self.send(request)
        except OSError as exc:
            raise WorkerLost(f"cannot send job: {exc}") from exc
        while True:
            try:
                msg = _runner.read_msg(fd, time.monotonic() + timeout + WATCHDOG_GRACE)
            except TimeoutError:
                raise WorkerLost("worker stalled") from None
            except (OSError, ValueError) as exc:
                raise WorkerLost(f"garbled worker reply: {exc}") from exc
            if msg is None:
                raise WorkerLost("worker exited")
            kind = msg.get("t")
            if kind == "pid":
                self.child_pgid = msg.get("pid")
            elif kind == "call":
                index = msg.get("i")
                if isinstance(index, int) and 0 <= index < n_calls:
                    results[index] = msg
            elif kind == "done":
                self.child_pgid = None
                return

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        for pgid in (self.child_pgid, self.proc.pid):
            if pgid:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except OSError:
                    pass
        self.child_pgid = None
        self._wait()
        self._remove_cgroup()

    def _remove_cgroup(self) -> None:
        """The worker's pids cgroup, named after its launcher's pid (normally removed by the launcher)."""
        path = f"/sys/fs/cgroup/pids/codeio-exec-{self.proc.pid}"
        for _ in range(50):
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)

    def close(self, grace: float = 5.0) -> None:
        if self.alive():
            try:
                self.send({"op": "exit"})
                self.proc.wait(grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def _wait(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass


class ForkserverExecutor(Executor):
    """Pre-warmed worker pool; ``run`` spreads jobs over the workers and returns results in order."""

    config_class = ForkserverConfig

    def __init__(self, **options: Any):
        self.config = build_config(self.config_class, options)
        self._pools: dict[int, list[WorkerProcess | None]] = {}
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()  # one run() at a time: each worker serves one job at a time
        self._closed = False
        self.isolation: list[str] = []
        """Measures the workers reported as applied (e.g. ``netns``, ``ro-root``, ``subreaper``)."""
        self.notes: list[str] = []
        sweep_stale_cgroups()
        self._pool(0)

    # -- worker management ---------------------------------------------------------------------------
    def worker_argv(self) -> list[str]:
        python = getattr(self.config, "python", "") or sys.executable
        return [python, "-s", "-B", str(RUNNER_PATH), "worker"]

    def worker_env(self, variant: int) -> dict[str, str]:
        env = dict(self.config.child_env)
        env["PYTHONHASHSEED"] = str(int(self.config.hash_seed) + int(variant))
        return env

    def init_options(self) -> dict[str, Any]:
        """Options sent to each worker at start-up."""
        return runner_options(self.config)

    def make_worker(self, variant: int, init: dict[str, Any]) -> WorkerProcess:
        return WorkerProcess(self.worker_argv(), self.worker_env(variant), init, self.config.startup_timeout,
                             self.config.debug)

    def _start_worker(self, variant: int) -> WorkerProcess:
        worker = self.make_worker(variant, {"options": self.init_options()})
        if not self.isolation:
            self.isolation = list(worker.info.get("isolation") or [])
            self.notes = list(worker.info.get("notes") or [])
            log.info("executor workers: isolation %s%s", self.isolation,
                     f"; notes: {self.notes}" if self.notes else "")
        return worker

    def _pool(self, variant: int) -> list[WorkerProcess | None]:
        with self._lock:
            if self._closed:
                raise RuntimeError("executor is closed")
            pool = self._pools.get(variant)
            if pool is None:
                count = self.config.worker_count()
                pool = [None] * count
                # start the workers in parallel: each imports the prelude (numpy) once
                errors: list[BaseException] = []

                def start(slot: int) -> None:
                    try:
                        pool[slot] = self._start_worker(variant)
                    except BaseException as exc:  # noqa: BLE001
                        errors.append(exc)

                threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if errors:
                    for w in pool:
                        if w is not None:
                            w.close()
                    raise errors[0]
                self._pools[variant] = pool
            return pool

    # -- running ---------------------------------------------------------------------------------------
    def run(self, jobs: Sequence[Job]) -> list[JobResult]:
        with self._run_lock:
            return self._run(jobs)

    def _run(self, jobs: Sequence[Job]) -> list[JobResult]:
        results: list[JobResult | None] = [None] * len(jobs)
        queues: dict[int, deque[int]] = defaultdict(deque)
        for index, job in enumerate(jobs):
            if not job.calls:
                results[index] = JobResult(calls=[], seconds=0.0)
            else:
                queues[1 if job.variant else 0].append(index)
        threads = []
        for variant, queue in queues.items():
            pool = self._pool(variant)
            for slot in range(min(len(pool), len(queue))):
                thread = threading.Thread(target=self._serve_queue,
                                          args=(variant, slot, queue, jobs, results), daemon=True)
                thread.start()
                threads.append(thread)
        for thread in threads:
            thread.join()
        return [r if r is not None else JobResult(calls=[CallResult(status=CRASHED, error="not run")
                                                         for _ in jobs[i].calls])
                for i, r in enumerate(results)]

    def _serve_queue(self, variant: int, slot: int, queue: deque[int], jobs: Sequence[Job],
                     results: list[JobResult | None]) -> None:
        while True:
            try:
                index = queue.popleft()
            except IndexError:
                return
            try:
                results[index] = self._run_job(variant, slot, jobs[index])
            except Exception as exc:  # noqa: BLE001 - one bad job must not sink the batch
                log.exception("executor failed on job %d", index)
                results[index] = JobResult(calls=[CallResult(status=CRASHED, error=f"executor error: {exc!r}")
                                                  for _ in jobs[index].calls])

    def _run_job(self, variant: int, slot: int, job: Job) -> JobResult:
        started = time.monotonic()
        request = job_request(job)
        n = len(job.calls)
        replies: list[Any] = [None] * n
        timeout = float(job.timeout or self.config.timeout)
        start = 0
        losses = 0
        while start < n:
            worker = self._worker(variant, slot)
            request["start"] = start
            try:
                worker.run(request, n, timeout, replies)
                break
            except WorkerLost as exc:
                worker.kill()
                self._pools[variant][slot] = None
                losses += 1
                done = start
                while done < n and replies[done] is not None:
                    done += 1
                if done < n:
                    replies[done] = {"status": CRASHED, "error": f"worker lost: {exc}"}
                start = done + 1
                if losses >= 3:  # the job keeps killing workers: give up on the rest
                    break
        calls = [call_result(r, self.config.output_limit) if r is not None
                 else CallResult(status=CRASHED, error="no result (worker lost repeatedly)") for r in replies]
        return JobResult(calls=calls, seconds=time.monotonic() - started)

    def _worker(self, variant: int, slot: int) -> WorkerProcess:
        pool = self._pools[variant]
        worker = pool[slot]
        if worker is None or not worker.alive():
            if worker is not None:
                worker.kill()
            worker = self._start_worker(variant)
            pool[slot] = worker
        return worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._pools = self._pools, {}
        for pool in pools.values():
            for worker in pool:
                if worker is not None:
                    worker.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass
