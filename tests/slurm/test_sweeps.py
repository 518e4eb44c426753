"""Ablation sweeps submitted through sbatch to a live Slurm (tools/slurm_local.sh): every point is a
real job, recorded in accounting (sacct), writes its own run directory and summary, and the sweep's
table is aggregated afterwards as for a local sweep. ``test_two_point_sweep_through_sbatch`` is the
check ``.ci/run`` runs."""

from __future__ import annotations

import time

import pytest
from omegaconf import OmegaConf

from tests.experiments.test_ablation_sweeps import check_miniature_sweep, run_miniature_sweep
from tests.helpers import REPO_ROOT
from tests.slurm.helpers import ONE_MACHINE, sacct_states, sweep_jobs


def check_jobs(sweep, points: int) -> list[str]:
    """One COMPLETED job per point in accounting, each the one that wrote that point's run directory."""
    jobs = sweep_jobs(sweep)
    assert len(jobs) == points, jobs
    deadline = time.monotonic() + 60  # slurmctld hands job records to slurmdbd asynchronously
    while set((states := sacct_states(jobs)).values()) != {"COMPLETED"} and time.monotonic() < deadline:
        time.sleep(1)
    assert set(states.values()) == {"COMPLETED"}, states
    for point, job in enumerate(jobs):
        hydra_cfg = OmegaConf.load(sweep / str(point) / ".hydra" / "hydra.yaml").hydra
        assert str(hydra_cfg.job.id) == job and hydra_cfg.job.num == point
    return jobs


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_point_sweep_through_sbatch(slurm, tmp_path):
    sweep = run_miniature_sweep("ablation_revision_turns", tmp_path, [*ONE_MACHINE, "revision.turns=0,1"],
                                timeout=850)
    check_miniature_sweep(sweep, tmp_path, {"revision.turns": "0,1"})
    check_jobs(sweep, 2)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", ["ablation_revision_turns", "ablation_pairs_per_function"])
def test_ablation_sweep_through_sbatch(name, slurm, tmp_path):
    params = OmegaConf.load(REPO_ROOT / "conf" / "experiment" / f"{name}.yaml").hydra.sweeper.params
    sweep = run_miniature_sweep(name, tmp_path, ONE_MACHINE)
    check_miniature_sweep(sweep, tmp_path, params)
    check_jobs(sweep, len(str(next(iter(params.values()))).split(",")))
