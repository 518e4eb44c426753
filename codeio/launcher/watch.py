"""What a sweep submitted to SLURM reports while it waits for its jobs: a waiting sweep is never silent,
and a job that cannot start because its nodes are drained or down is named with the node and the reason.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# pending reasons that no amount of waiting fixes: a person has to bring nodes back or release the job
NEEDS_ATTENTION = re.compile(r"DOWN|DRAIN|NotAvail|PartitionDown|PartitionInactive|NodeDown|Held|"
                             r"BadConstraints|Invalid", re.I)


class JobWatch:
    """While the sweep waits, report every ``every_s`` seconds on the jobs it submitted (one folder each
    under ``folder``, made by submitit as it submits): counts by state and, for pending jobs that need
    a person to act (drained or down nodes, a partition down, a held job), the reason and the nodes."""

    def __init__(self, folder: Path, every_s: float):
        self.folder = Path(folder)
        self.every_s = every_s
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="codeio-slurm-watch", daemon=True)

    def __enter__(self) -> JobWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.report()
            except Exception as err:  # a report must never take the sweep down
                log.warning("slurm: could not report the jobs' states: %s", err)

    def job_ids(self) -> list[str]:
        return submitted_jobs(self.folder, since=self.started - 1)

    def report(self) -> None:
        ids = self.job_ids()
        waited = _minutes(time.time() - self.started)
        if not ids:
            log.info("slurm: no job submitted yet (%s)", waited)
            return
        queue, error = _squeue()
        if error:
            log.warning("slurm: %d jobs submitted, their states are unknown: %s (%s)", len(ids), error, waited)
            return
        mine = {job: queue[job] for job in ids if job in queue}
        states = Counter(state.lower() for state, _ in mine.values())
        states["finished"] = len(ids) - len(mine)
        summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()) if n)
        pending = Counter(reason for state, reason in mine.values() if state == "PENDING")
        blocked = {reason: n for reason, n in pending.items() if NEEDS_ATTENTION.search(reason)}
        if not blocked:
            reasons = "; ".join(f"{n} pending: {reason}" for reason, n in pending.items())
            log.info("slurm: %d jobs: %s%s (%s)", len(ids), summary, f" ({reasons})" if reasons else "", waited)
            return
        stuck = sorted(job for job, (state, reason) in mine.items() if state == "PENDING" and reason in blocked)
        nodes = _unavailable_nodes()
        if nodes:
            names = ",".join(sorted({name for name, _, _ in nodes}))
            down = "; ".join(f"{name} {state}: {why}" for name, state, why in nodes)
            outlook = (f"Nodes out of service: {down}. They start when the nodes return (scontrol update "
                       f"nodename={names} state=resume)")
        else:
            outlook = "No node is out of service now (sinfo -R), so the scheduler should start them soon"
        arrays = " ".join(sorted({job.split("_")[0] for job in stuck}))
        log.warning("slurm: %d of %d jobs cannot start: %s (jobs %s). %s; scancel %s gives them up. Still "
                    "waiting (%s; all jobs: %s)", len(stuck), len(ids), "; ".join(blocked), _shorten(stuck),
                    outlook, arrays, waited, summary)


def submitted_jobs(folder: Path, since: float = 0.0) -> list[str]:
    """SLURM job ids of the jobs submitit submitted into ``folder`` (one sub-folder each, made at
    submission; ``since``: only folders modified since then, leaving out earlier launches into the same
    sweep directory): array tasks ``123_4`` (submitit also keeps a folder ``123`` for the array's
    submission script) and plain jobs ``125`` (a sweep of one point)."""
    if not Path(folder).is_dir():
        return []
    names = {p.name for p in Path(folder).iterdir()
             if re.fullmatch(r"\d+(_\d+)?", p.name) and p.stat().st_mtime >= since}
    arrays = {name.split("_")[0] for name in names if "_" in name}
    return sorted(names - arrays, key=lambda job: tuple(int(n) for n in job.split("_")))


def _squeue() -> tuple[dict[str, tuple[str, str]], str]:
    """``{job id: (state, reason)}`` of this user's jobs, one entry per array task; or an error."""
    try:
        proc = subprocess.run(["squeue", "--noheader", "--me", "--array", "--format=%i|%T|%r"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return {}, f"squeue failed ({err})"
    if proc.returncode != 0:
        return {}, f"squeue failed: {proc.stderr.strip() or proc.returncode}"
    jobs = {}
    for line in proc.stdout.splitlines():
        job, _, rest = line.strip().partition("|")
        state, _, reason = rest.partition("|")
        jobs[job] = (state, reason)
    return jobs, ""


def _unavailable_nodes() -> list[tuple[str, str, str]]:
    """``(node, state, reason)`` of the nodes out of service (``sinfo -R``)."""
    try:
        proc = subprocess.run(["sinfo", "--noheader", "--list-reasons", "--format=%N|%T|%E"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    rows = [line.strip().split("|", 2) for line in proc.stdout.splitlines()]
    return [(r[0], r[1], r[2]) for r in rows if len(r) == 3]


def _shorten(items: list[str], most: int = 8) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min so far" if seconds >= 90 else f"{seconds:.0f} s so far"
