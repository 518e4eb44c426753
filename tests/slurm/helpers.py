"""Helpers of the tests that run on a live Slurm (the ``slurm`` fixture of ``tests/conftest.py``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from codeio.launcher.watch import submitted_jobs

# sbatch options that fit the local node (2 cores here); the preset's 32 CPUs and 64 GB would not
ONE_MACHINE = ["hydra/launcher=slurm_cpu", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=4"]


def slurm_cmd(*args: str, timeout: float = 60) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)}: {proc.stderr}"
    return proc.stdout


def sweep_jobs(sweep: Path) -> list[str]:
    """The SLURM job ids of a sweep's jobs, in point order (submitit keeps a folder per job)."""
    return submitted_jobs(sweep / ".submitit")


def sacct_states(jobs: list[str]) -> dict[str, str]:
    """``{job id: state}`` as accounting (slurmdbd, what sacct reads) recorded them."""
    arrays = sorted({job.split("_")[0] for job in jobs})
    out = slurm_cmd("sacct", "--noheader", "--allocations", "--parsable2", "--format=JobID,State",
                    *[f"--jobs={a}" for a in arrays])
    states = dict(line.split("|", 1) for line in out.splitlines() if "|" in line)
    return {job: states.get(job, "MISSING") for job in jobs}


def node_name() -> str:
    return slurm_cmd("sinfo", "--noheader", "--Node", "--format=%N").split()[0]
