"""Config schema of the SLURM launcher presets (``conf/hydra/launcher/slurm_*.yaml``). Light module."""

from __future__ import annotations

from dataclasses import dataclass

from hydra_plugins.hydra_submitit_launcher.config import SlurmQueueConf


@dataclass
class SlurmLauncherConfig(SlurmQueueConf):
    """hydra-submitit-launcher's SLURM settings (sbatch options, submitit's requeue), plus what codeio
    adds: checks before anything is submitted, and reports while the sweep waits for its jobs."""

    _target_: str = "hydra_plugins.codeio_launcher.slurm_launcher.SlurmLauncher"
    report_every_s: float = 60.0
    """Seconds between reports of the jobs' states while the sweep waits: how many are pending, running
    and finished, why pending jobs wait (a drained or down node says so, with the node and its reason)."""
    check_shared_dirs: bool = True
    """Refuse to submit when ``cache.dir`` or ``hydra.sweep.dir`` is on a local disk of this machine
    while the jobs may run on other nodes (they would not see the upstream stages, and this process
    would never see their results). Set false for a shared filesystem the check does not recognise."""


SCHEMAS = {"hydra/launcher": {"slurm_schema": SlurmLauncherConfig}}
