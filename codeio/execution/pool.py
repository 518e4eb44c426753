"""The trusted side of the pooled executors (forkserver, subprocess, bwrap, docker).

An executor keeps one pool of workers per hash-seed variant. Each worker serves one job at a time over
a pair of pipes with the framed protocol of ``child/wire.py``. Every job request carries a sequence
number this process chose; a frame carrying any other number is dropped, so whatever reaches the pipe
can at most spoil the row of the job it claims to be. A worker that dies, stalls or sends a frame that
does not decode is killed (only ever the process this parent forked, or the container it created) and
replaced; the job goes on from its first unanswered call.

Before a pool serves anything, each worker reports which isolation measures applied. If one that the
executor promises is missing, starting fails with the reason and the opt-in setting
``executor.allow_unsandboxed=true`` (for trusted code only): there is no silent fallback.
"""

from __future__ import annotations

import grp
import itertools
import logging
import pwd
import subprocess
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from codeio.execution import cgroups
from codeio.execution.base import CRASHED, CallResult, Executor, Job, JobResult
from codeio.execution.child import wire
from codeio.execution.common import call_result, job_request, runner_options
from codeio.execution.imports import STDLIB, WarmImports, runs_lean, split_prelude

log = logging.getLogger(__name__)

WATCHDOG_GRACE = 15.0
"""Seconds beyond a job's own limits the parent waits for a frame before declaring the worker lost."""
CGROUP = "cgroup-memory-pids"
MEASURES = ("pid-namespace", "network-namespace", "minimal-root", "proc-hidepid", "not-dumpable",
            "session-keyring", "scratch-per-job", "ipc-namespace-per-job", "private-uid", "rlimits", "seccomp",
            CGROUP)
"""What every executor promises for untrusted code (names as the worker reports them)."""


class WorkerLost(Exception):
    pass


class SandboxUnavailable(RuntimeError):
    """An isolation measure the executor promises cannot be applied on this machine."""


def sandbox_uid(base: int, launcher_pid: int) -> int:
    """The private uid of a worker's job processes: unique per live launcher and no host user's."""
    uid = base + launcher_pid % (1 << 22)
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
        except KeyError:
            continue
        raise SandboxUnavailable(f"uid/gid {uid} exists on this host; choose another executor.sandbox_uid_base")
    return uid


class Worker:
    """The parent's end of one worker: a process it forked (``LocalWorker``) or a container."""

    info: dict[str, Any]
    warm_sent = 0
    """How many of the executor's warm-import choices this worker was already told."""

    def send(self, frame: dict[str, Any]) -> None:
        raise NotImplementedError

    def read(self, deadline: float, limit: int) -> Any:
        """The next frame; WorkerLost when the worker ended, stalled past ``deadline`` or garbled it."""
        raise NotImplementedError

    def alive(self) -> bool:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def close(self, grace: float = 5.0) -> None:
        try:
            self.send({"op": "exit"})
        except (OSError, WorkerLost):
            pass
        self.kill()

    def handshake(self, init: dict[str, Any], timeout: float) -> None:
        try:
            self.send(init)
            ready = self.read(time.monotonic() + timeout, 1 << 24)
        except (OSError, WorkerLost) as exc:
            self.kill()
            raise RuntimeError(f"executor worker failed to start: {exc}{self.stderr_tail()}") from exc
        if not isinstance(ready, dict) or ready.get("t") != "ready":
            self.kill()
            raise RuntimeError(f"executor worker failed to start: {ready!r}")
        self.info = ready

    def stderr_tail(self) -> str:
        """What the worker printed before it failed to start (for the error message), if known."""
        return ""


class LocalWorker(Worker):
    """A worker started by this process: the launcher it forks (``argv``) and the worker's cgroup."""

    def __init__(self, argv: list[str], env: dict[str, str], debug: bool, cgroup: cgroups.WorkerCgroup | None):
        self.cgroup = cgroup
        # stderr goes to a file: a launcher or sandbox builder that fails says why there (the worker
        # itself points its stderr at /dev/null once it runs, unless debug)
        self._stderr = None if debug else tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=env, cwd="/", start_new_session=True, close_fds=True)
        self._in, self._out = self.proc.stdout.fileno(), self.proc.stdin.fileno()
        self._frames = wire.FrameReader(self._in)

    def send(self, frame: dict[str, Any]) -> None:
        wire.write_frame(self._out, frame, canonical=False)

    def read(self, deadline: float, limit: int) -> Any:
        try:
            frame = self._frames.read(deadline, limit)
        except TimeoutError:
            raise WorkerLost("worker stalled") from None
        except wire.Garbled as exc:
            raise WorkerLost(f"garbled worker reply: {exc}") from None
        except OSError as exc:
            raise WorkerLost(f"worker pipe: {exc}") from None
        if frame is None:
            raise WorkerLost("worker exited")
        return frame

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f" ({text})" if text else ""

    def kill(self) -> None:
        """Kill the launcher this process forked: the worker inside dies with it (parent-death signal),
        and with the worker, as pid 1, every job process of its namespace. On cgroup v2, ``cgroup.kill``
        as well. Never a pid any frame reported."""
        if self.proc.poll() is None:
            self.proc.kill()
        if self.cgroup is not None:
            self.cgroup.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        if self._stderr is not None:
            self._stderr.close()
        if self.cgroup is not None:
            if not self.cgroup.remove():
                log.warning("executor cgroup still busy after the worker stopped: %s", self.cgroup.dirs)
            self.cgroup = None

    def close(self, grace: float = 5.0) -> None:
        if self.alive():
            try:
                self.send({"op": "exit"})
                self.proc.wait(grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


class PoolExecutor(Executor):
    """Spreads jobs over a pool of workers and returns results in order (see the module docstring)."""

    name = "pool"

    def __init__(self, cfg: Any):
        self.config = cfg
        self._pools: dict[int, list[Worker | None]] = {}
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()  # one run() at a time: each worker serves one job at a time
        self._seq = itertools.count(1)
        self._closed = False
        self.isolation: list[str] = []
        """Measures the workers reported as applied (``pid-namespace``, ``private-uid``, ``seccomp``...)."""
        self.missing: dict[str, str] = {}
        """Measures that could not be applied, with why (empty unless ``allow_unsandboxed``)."""
        self.notes: list[str] = []
        self.dropped_frames = 0
        """Frames that claimed another job (a forgery, or a late frame of a lost worker)."""
        self._warm = self.warm_imports()
        self._prelude = split_prelude(tuple(getattr(cfg, "prelude", None) or ()))
        cgroups.sweep()
        self._pool(0)

    # -- hooks of the concrete executors ---------------------------------------------------------------
    def launch(self, variant: int, init: dict[str, Any]) -> Worker:
        """Start one worker and complete its handshake with ``init``."""
        raise NotImplementedError

    def warm_imports(self) -> WarmImports | None:
        return None

    def init_frame(self, variant: int) -> dict[str, Any]:
        options = runner_options(self.config)
        options["hash_seed"] = int(self.config.hash_seed) + variant
        prelude = {"light": list(self._prelude.light), "heavy": list(self._prelude.heavy),
                   "lean": self._prelude.has_lean}
        return {"op": "init", "options": options, "sandbox": {}, "prelude": prelude}

    def worker_env(self, variant: int) -> dict[str, str]:
        env = dict(self.config.child_env)
        env["PYTHONHASHSEED"] = str(int(self.config.hash_seed) + variant)
        return env

    def make_cgroup(self) -> tuple[cgroups.WorkerCgroup | None, str | None]:
        cfg = self.config
        memory = (int(cfg.memory_mb) + 3 * int(cfg.tmp_size_mb) + int(cfg.cgroup_headroom_mb)) * 1024 * 1024
        try:
            return cgroups.create(memory, int(cfg.nproc) + 16), None
        except cgroups.CgroupUnavailable as exc:
            return None, str(exc)

    # -- workers ---------------------------------------------------------------------------------------
    def _admit(self, worker: Worker, extra_missing: dict[str, str]) -> None:
        """Refuse a worker lacking a promised measure, unless ``allow_unsandboxed``."""
        missing = dict(worker.info.get("missing") or {})
        missing.update(extra_missing)
        gaps = {name: why for name, why in missing.items() if name in MEASURES}
        if gaps and not self.config.allow_unsandboxed:
            worker.kill()
            reasons = "; ".join(f"{name}: {why}" for name, why in sorted(gaps.items()))
            raise SandboxUnavailable(
                f"the {self.name} executor cannot isolate untrusted code on this machine ({reasons}). Fix "
                "the cause, or, only if the code is trusted, set executor.allow_unsandboxed=true")
        if not self.isolation:
            self.isolation = list(worker.info.get("applied") or [])
            if CGROUP not in missing and CGROUP not in self.isolation:
                self.isolation.append(CGROUP)
            self.missing = missing
            self.notes = list(worker.info.get("notes") or [])
            if missing:
                log.warning("%s executor runs WITHOUT %s (executor.allow_unsandboxed=true)", self.name,
                            ", ".join(sorted(missing)))

    def _start_worker(self, variant: int) -> Worker:
        worker = self.launch(variant, self.init_frame(variant))
        worker.warm_sent = 0
        return worker

    def _pool(self, variant: int) -> list[Worker | None]:
        with self._lock:
            if self._closed:
                raise RuntimeError("executor is closed")
            pool = self._pools.get(variant)
            if pool is None:
                count = self.config.worker_count()
                pool = [None] * count
                errors: list[BaseException] = []

                def start(slot: int) -> None:
                    try:
                        pool[slot] = self._start_worker(variant)
                    except BaseException as exc:  # noqa: BLE001 - reported below
                        errors.append(exc)

                threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if errors:
                    for worker in pool:
                        if worker is not None:
                            worker.close()
                    raise errors[0]
                self._pools[variant] = pool
            return pool

    def _worker(self, variant: int, slot: int) -> Worker:
        pool = self._pools[variant]
        worker = pool[slot]
        if worker is None or not worker.alive():
            if worker is not None:
                worker.kill()
            worker = self._start_worker(variant)
            pool[slot] = worker
        return worker

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
                if self._warm is not None:
                    self._warm.observe(job.code)
        threads = []
        for variant, queue in queues.items():
            pool = self._pool(variant)
            for slot in range(min(len(pool), len(queue))):
                thread = threading.Thread(target=self._serve_queue, args=(variant, slot, queue, jobs, results),
                                          daemon=True)
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
        request["lean"] = runs_lean(job.code, self._prelude) and all(
            runs_lean(source, self._prelude) for source in request["harness_sources"].values())
        n = len(job.calls)
        replies: list[Any] = [None] * n
        timeout = float(job.timeout or self.config.timeout)
        start, losses = 0, 0
        while start < n:
            worker = self._worker(variant, slot)
            try:
                self._exchange(worker, dict(request, start=start), n, timeout, replies)
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

    def _exchange(self, worker: Worker, request: dict[str, Any], n: int, timeout: float, replies: list[Any]) -> None:
        """Send one job request; fill ``replies`` with this job's frames until its ``done``."""
        seq = next(self._seq)
        request["seq"] = seq
        if self._warm is not None and worker.warm_sent < len(self._warm.chosen):
            request["warm"] = self._warm.chosen[worker.warm_sent:]
            request["warm_lean"] = [name for name in request["warm"] if name.split(".")[0] in STDLIB]
            worker.warm_sent = len(self._warm.chosen)
        try:
            worker.send(request)
        except OSError as exc:
            raise WorkerLost(f"cannot send the job: {exc}") from exc
        limit = int(self.config.output_limit) * 8 + 65536
        # the worker bounds loading and each call by ``timeout``; a warm import may take longer once
        patience = 2 * timeout + WATCHDOG_GRACE + (60.0 if "warm" in request else 0.0)
        while True:
            frame = worker.read(time.monotonic() + patience, limit)
            if not isinstance(frame, dict) or frame.get("seq") != seq:
                self.dropped_frames += 1
                continue
            kind = frame.get("t")
            if kind == "call":
                index = frame.get("i")
                if isinstance(index, int) and 0 <= index < n and replies[index] is None:
                    replies[index] = frame
            elif kind == "done":
                return

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

