"""Shared fixtures: where the read-only external data lives, and a live Slurm; each skips, saying why,
when what it needs is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeio.shared_data import shared_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = shared_data_dir()  # ../shared/data beside the repository, or $CODEIO_SHARED_DATA
SLURM_SCRIPT = REPO_ROOT / "tools" / "slurm_local.sh"
SLURM_TOOLS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd", "sbatch", "sacct", "scontrol")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test when the external data is not beside the repository."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"external data not found at {SHARED_DATA} (see ../shared/data/README.md)")
    return SHARED_DATA


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or skip with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"external data file missing: {path}")
    return path


@pytest.fixture(scope="session")
def slurm() -> Iterator[str]:
    """A live Slurm: the one-node cluster of ``tools/slurm_local.sh``, used as it is when it runs, else
    started here and stopped again at the end of the session; its SLURM_CONF is returned and set in this
    process's environment (jobs inherit it). Skips, saying why, without Slurm's packages or root."""
    missing = [tool for tool in SLURM_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Slurm is not installed here ({', '.join(missing)} missing): "
                    "apt-get install slurm-wlm slurmdbd munge mariadb-server")
    if os.geteuid() != 0:
        pytest.skip("tools/slurm_local.sh starts Slurm's daemons as root; these tests need root")
    was_running = subprocess.run([str(SLURM_SCRIPT), "status"], capture_output=True).returncode == 0
    proc = subprocess.run([str(SLURM_SCRIPT), "start"], capture_output=True, text=True, timeout=300)
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
            subprocess.run([str(SLURM_SCRIPT), "stop"], timeout=300)
