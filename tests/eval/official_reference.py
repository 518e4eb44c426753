"""An independent re-implementation of the official CRUXEval scoring loop, used only as a test oracle.

It mirrors facebookresearch/cruxeval ``evaluation/`` as published: per generation, the same pre-filters,
then ``exec("<code>\\nassert <output> == <generation>", {})`` in a forked child with output swallowed,
a 3 s SIGALRM limit and a kill after 4 s; the check passes only when the child reports "passed" back
(here through a pipe, there through a multiprocessing Manager list). pass@k uses the official numpy
formula and the mean over tasks in dataset order, times 100.

It shares no code with ``codeio.eval.cruxeval`` on purpose, so the test compares two implementations.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import select
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def _child(program: str, wfd: int, timeout: float) -> None:
    os.chdir(tempfile.mkdtemp())
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    def on_alarm(signum, frame):
        raise TimeoutError("timed out")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        exec(program, {})
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.write(wfd, b"passed")
    except BaseException:
        pass
    os._exit(0)


def check_correctness(program: str, timeout: float = 3.0) -> bool:
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        _child(program, wfd, timeout)
    os.close(wfd)
    data = b""
    deadline = time.monotonic() + timeout + 1
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([rfd], [], [], left)
        if not ready:
            break
        chunk = os.read(rfd, 64)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return data == b"passed"


def evaluate_task(args):
    gens, (code, inp, out), mode = args
    results = []
    for g in gens:
        if mode == "input" and "f(" not in g:
            results.append(False)
        elif mode == "output" and f"f({inp})" in g:
            results.append(False)
        else:
            results.append(check_correctness(f"{code}\nassert {out} == {g}", 3))
    return results


def official_pass_at_k(n, c, k):
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def reference_scores(data_path, generations: dict, mode: str, limit: int | None = None, workers: int = 2):
    """pass@1 and pass@5 (percent) and the per-task booleans, computed the official way."""
    dataset = [json.loads(line) for line in open(data_path)]
    if limit is not None:
        dataset = dataset[:limit]
    refs = [(d["code"], d["input"], d["output"]) for d in dataset]
    gens = [generations[f"sample_{i}"] for i in range(len(dataset))]
    # forkserver: small, clean workers (forking a per-check child from them stays cheap even when the
    # calling process has torch loaded)
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        scores = list(pool.map(evaluate_task, zip(gens, refs, [mode] * len(gens), strict=True), chunksize=8))
    p1 = [official_pass_at_k(len(s), s.count(True), 1) for s in scores]
    p5 = [official_pass_at_k(len(s), s.count(True), 5) for s in scores]
    return {
        "pass@1": sum(p1) / len(p1) * 100,
        "pass@5": sum(p5) / len(p5) * 100,
        "scores": {f"sample_{i}": s for i, s in enumerate(scores)},
    }
