"""A fresh interpreter per job: slow, but runs under any Python 3.8+ (``executor.python=/env/bin/python``).

This is the paper's "separate environment" use case: the functions need packages that only another
environment has. Each job (and each continuation after a timeout or crash) starts
``python _runner.py once`` in its own session with a scrubbed environment, rlimits and an empty
temporary working directory; the trusted parent enforces the per-call wall clock and kills the whole
process group. There are no namespaces here: prefer ``forkserver`` or ``bwrap`` for hostile code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from codeio.execution import _runner
from codeio.execution.base import CRASHED, CallResult, Executor, Job, JobResult
from codeio.execution.common import RUNNER_PATH, build_config, call_result, job_request, runner_options
from codeio.execution.config import SubprocessConfig


class SubprocessExecutor(Executor):
    config_class = SubprocessConfig

    def __init__(self, **options: Any):
        self.config = build_config(self.config_class, options)
        self.python = self.config.python or sys.executable
        self._options = runner_options(self.config)

    def run(self, jobs: Sequence[Job]) -> list[JobResult]:
        with ThreadPoolExecutor(max_workers=self.config.worker_count()) as pool:
            return list(pool.map(self._run_job_safely, jobs))

    def _run_job_safely(self, job: Job) -> JobResult:
        try:
            return self._run_job(job)
        except Exception as exc:  # noqa: BLE001 - one bad job must not sink the batch
            return JobResult(calls=[CallResult(status=CRASHED, error=f"executor error: {exc!r}")
                                    for _ in job.calls])

    def _run_job(self, job: Job) -> JobResult:
        started = time.monotonic()
        request = job_request(job)
        request["options"] = self._options
        replies: list[Any] = [None] * len(job.calls)
        workdir = tempfile.mkdtemp(prefix="codeio-sub-")
        env = dict(self.config.child_env, HOME=workdir, TMPDIR=workdir,
                   PYTHONHASHSEED=str(self.config.hash_seed + (1 if job.variant else 0)))

        def spawn(start: int) -> tuple[Any, int, str]:
            nonce = os.urandom(16).hex()
            proc = subprocess.Popen([self.python, "-s", "-B", str(RUNNER_PATH), "once"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=workdir,
                                    start_new_session=True, close_fds=True)
            try:
                _runner.write_msg(proc.stdin.fileno(), dict(request, nonce=nonce, start=start))
                proc.stdin.close()
            except OSError:
                pass
            return proc, proc.stdout.fileno(), nonce

        def kill(proc: subprocess.Popen) -> str:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.stdout.close()
            status = proc.wait()
            return f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit code {status}"

        def emit(index: int, reply: dict[str, Any]) -> None:
            replies[index] = reply

        frame_limit = self.config.output_limit * 2 + 65536
        try:
            _runner.drive_job(request["job"], spawn, kill, emit, float(job.timeout or self.config.timeout),
                              frame_limit, self.config.max_consecutive_timeouts)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        calls = [call_result(r, self.config.output_limit) if r is not None
                 else CallResult(status=CRASHED, error="no result") for r in replies]
        return JobResult(calls=calls, seconds=time.monotonic() - started)
