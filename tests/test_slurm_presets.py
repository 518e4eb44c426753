"""The SLURM launcher presets compose, and a 2-node training job gets one task per GPU on every node,
a fixed run directory and Lightning settings that match what SLURM will start."""

from __future__ import annotations

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from tests.helpers import CONF_DIR, run_cli

TWO_NODES = ["+experiment=codeio", "stages=[train]", "hydra/launcher=slurm_gpu", "trainer.devices=8",
             "trainer.num_nodes=2", "hydra.sweep.dir=/shared/runs/qwen7b-2node", "cache.dir=/shared/cache"]


def compose_with_hydra(overrides):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def test_two_node_gpu_job_matches_trainer_settings():
    cfg = compose_with_hydra(TWO_NODES)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert OmegaConf.select(cfg, "hydra.launcher.nodes") == 2
    assert OmegaConf.select(cfg, "hydra.launcher.tasks_per_node") == 8  # one task per GPU
    assert OmegaConf.select(cfg, "hydra.launcher.gpus_per_node") == 8
    assert cfg.trainer.devices == 8 and cfg.trainer.num_nodes == 2
    assert cfg.trainer.global_batch_size % (cfg.trainer.micro_batch_size * 8 * 2) == 0
    assert cfg.hydra.sweep.dir == "/shared/runs/qwen7b-2node"  # fixed: every rank and requeue agree
    assert "now" not in OmegaConf.select(cfg, "hydra.launcher.submitit_folder", throw_on_resolution_failure=False)


def test_cpu_array_preset_composes_for_sharded_data_stages():
    cfg = compose_with_hydra(["+experiment=codeio", "hydra/launcher=slurm_cpu", "stages=[sample]",
                              "shard.count=32", "shard.index=5"])
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.tasks_per_node == 1 and cfg.shard.count == 32


def test_cfg_job_shows_devices_nodes_and_stage(tmp_path):
    proc = run_cli([*TWO_NODES, "--cfg", "job"])
    assert proc.returncode == 0, proc.stderr
    job = OmegaConf.create(proc.stdout)
    assert job.trainer.devices == 8 and job.trainer.num_nodes == 2 and list(job.stages) == ["train"]
    proc = run_cli([*TWO_NODES, "--cfg", "all", "--resolve"])
    assert proc.returncode == 0, proc.stderr
    hydra_cfg = OmegaConf.create(proc.stdout).hydra
    assert hydra_cfg.launcher.tasks_per_node == 8 and hydra_cfg.launcher.nodes == 2
    assert hydra_cfg.sweep.dir == "/shared/runs/qwen7b-2node"
