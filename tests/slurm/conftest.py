"""A live Slurm for the tests that need one: the one-node cluster of ``tools/slurm_local.sh`` (used as it
is when it already runs, else started here and stopped again when the session ends). Without Slurm's
packages or root the tests skip, saying which."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from codeio.launcher.watch import submitted_jobs
from tests.helpers import REPO_ROOT

SCRIPT = REPO_ROOT / "tools" / "slurm_local.sh"
DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd", "sbatch", "sacct", "scontrol")
# sbatch options that fit the local node (2 cores here); the preset's 32 CPUs and 64 GB would not
ONE_MACHINE = ["hydra/launcher=slurm_cpu", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=4"]


@pytest.fixture(scope="session")
def slurm() -> str:
    """SLURM_CONF of a running local cluster (also set in this process's environment)."""
    missing = [tool for tool in DAEMONS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Slurm is not installed here ({', '.join(missing)} missing): "
                    "apt-get install slurm-wlm slurmdbd munge mariadb-server")
    if os.geteuid() != 0:
        pytest.skip("tools/slurm_local.sh starts Slurm's daemons as root; these tests need root")
    was_running = subprocess.run([str(SCRIPT), "status"], capture_output=True).returncode == 0
    proc = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"tools/slurm_local.sh start failed:\n{proc.stderr}"
    conf = proc.stdout.strip().removeprefix("export SLURM_CONF=")
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = conf
    try:
        yield conf
    finally:
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        if not was_running:
            subprocess.run([str(SCRIPT), "stop"], timeout=300)


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
