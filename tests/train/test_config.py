"""Config schemas of model/trainer: YAML presets compose against them, bad values fail at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from codeio.train.config import SCHEMAS, ModelConfig, TrainerConfig

CONF = Path(__file__).resolve().parents[2] / "conf"
CPU_BATCHING = "packing"
"""The mode the CPU presets use: the fastest measured on CPU (experiments/training/README.md)."""


@pytest.fixture(scope="module", autouse=True)
def register_schemas():
    store = ConfigStore.instance()
    for group, entries in SCHEMAS.items():
        for name, node in entries.items():
            store.store(group=group, name=name, node=node)


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF / "model").glob("*.yaml")))
def test_model_presets_compose(name):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="model/" + name)
    model = OmegaConf.to_object(cfg.model)
    assert isinstance(model, ModelConfig)
    if name == "gemma2_27b":
        assert model.attn_implementation in ("flash_attention_2", "eager")  # soft-capping
    if name == "deepseek_coder_v2_lite":
        assert model.zero3_leaf_modules == ["DeepseekV2Moe"]


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF / "trainer").glob("*.yaml")))
def test_trainer_presets_compose(name):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="trainer/" + name)
    trainer = OmegaConf.to_object(cfg.trainer)
    assert isinstance(trainer, TrainerConfig)
    assert trainer.stage(2).lr_schedule in ("cosine", "constant")
    if name == "gemma2_27b":  # the paper's recipe (trainer=default) with Gemma-2's learning rates
        assert (trainer.lr, trainer.stage2.lr, trainer.stage2.min_lr) == (4e-6, 1e-5, 3e-7)
        assert (trainer.strategy, trainer.devices, trainer.stage2.max_steps) == ("fsdp", 8, 700)


def test_default_trainer_is_the_paper_recipe():
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = OmegaConf.to_object(compose(config_name="trainer/default").trainer)
    s1, s2 = cfg.stage(1), cfg.stage(2)
    assert (s1.lr, s1.lr_schedule, s1.max_epochs, s1.global_batch_size, s1.warmup_steps) == (1e-5, "constant", 1, 1024, 0)
    assert (s2.lr, s2.lr_schedule, s2.min_lr, s2.max_steps, s2.global_batch_size) == (3e-5, "cosine", 1e-6, 700, 1024)
    assert cfg.max_length == 4096
    assert cfg.accumulation(s1) == 1024 // (cfg.micro_batch_size * cfg.devices)


def test_typo_in_yaml_key_fails(tmp_path):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        with pytest.raises(Exception, match="max_stepz"):
            compose(config_name="trainer/tiny", overrides=["trainer.max_stepz=3"])


def test_bad_values_are_rejected():
    with pytest.raises(ValueError, match="global_batch_size"):
        TrainerConfig(global_batch_size=10, micro_batch_size=4, batch_unit="rows")
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainerConfig(lr_schedule="linear")
    with pytest.raises(ValueError, match="min_lr"):
        TrainerConfig(stage2={"lr": 1e-6, "min_lr": 1e-5})
    with pytest.raises(ValueError, match="model.path"):
        ModelConfig(source="pretrained")
    with pytest.raises(TypeError, match="max_stepz"):
        TrainerConfig(max_stepz=3)


def test_accumulation_follows_devices():
    cfg = TrainerConfig(global_batch_size=1024, micro_batch_size=4, devices=8, num_nodes=2,
                        stage2={"global_batch_size": 512})
    assert cfg.accumulation(cfg.stage(1)) == 16
    assert cfg.accumulation(cfg.stage(2)) == 8


def test_slurm_launcher_matches_trainer_devices(tmp_path):
    (tmp_path / "hydra" / "launcher").mkdir(parents=True)
    (tmp_path / "hydra" / "launcher" / "slurm_gpu.yaml").write_text(
        (CONF / "hydra" / "launcher" / "slurm_gpu.yaml").read_text()
    )
    (tmp_path / "config.yaml").write_text(
        "defaults:\n  - _self_\n  - override hydra/launcher: slurm_gpu\ntrainer:\n  devices: 8\n  num_nodes: 2\n"
    )
    with initialize_config_dir(str(tmp_path), version_base="1.3"):
        cfg = compose("config", return_hydra_config=True, overrides=["hydra.sweep.dir=outputs/train-2node"])
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert (launcher.tasks_per_node, launcher.gpus_per_node, launcher.nodes) == (8, 8, 2)
    assert launcher.max_num_timeout > 0  # submitit owns requeue
    assert "now:" not in str(launcher.submitit_folder)


def test_strategies_are_built_from_the_config(tiny_model_cfg, tiny_model_dir):
    from lightning.pytorch.strategies import DDPStrategy, FSDPStrategy
    from transformers.models.qwen2.modeling_qwen2 import Qwen2DecoderLayer

    from codeio.train.strategy import build_strategy, transformer_block_classes

    assert transformer_block_classes(str(tiny_model_dir), tiny_model_cfg) == {Qwen2DecoderLayer}
    fsdp = build_strategy(TrainerConfig(strategy="fsdp", gradient_checkpointing=True), tiny_model_cfg,
                          str(tiny_model_dir))
    assert isinstance(fsdp, FSDPStrategy) and fsdp._state_dict_type == "full"
    assert isinstance(build_strategy(TrainerConfig(strategy="ddp"), tiny_model_cfg, str(tiny_model_dir)), DDPStrategy)
    assert build_strategy(TrainerConfig(strategy="auto"), tiny_model_cfg, str(tiny_model_dir)) == "auto"
    try:
        import deepspeed  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"\.\[deepspeed\]"):
            build_strategy(TrainerConfig(strategy="deepspeed"), tiny_model_cfg, str(tiny_model_dir))


def test_presets_choose_their_batching_and_the_old_switch_composes():
    chosen = {}
    for name in sorted(p.stem for p in (CONF / "trainer").glob("*.yaml")):
        assert "\npacking:" not in (CONF / "trainer" / f"{name}.yaml").read_text()  # the deprecated key
        with initialize_config_dir(str(CONF), version_base="1.3"):
            chosen[name] = OmegaConf.to_object(compose(config_name="trainer/" + name).trainer).batching
    assert chosen["default"] == chosen["gemma2_27b"] == "packing"  # GPU presets: flash-attention varlen
    # CPU presets: the fastest mode measured on CPU (experiments/training/README.md)
    assert chosen["cpu"] == chosen["quickstart"] == chosen["tiny"] == CPU_BATCHING
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="trainer/default", overrides=["trainer.packing=false"])
    assert OmegaConf.to_object(cfg.trainer).batching == "padding"


def test_paper_batch_counts_samples_whatever_the_packing():
    """Issue #17 item 5: the paper's batch 1024 is samples. With packing at 4.3 samples per row a step
    takes about 238 rows (rounded up to whole micro-batches), not 1024 rows (about 4,400 samples)."""
    from codeio.train.batch_unit import rows_per_step, samples_per_row
    from tests.helpers import compose_config

    cfg = OmegaConf.to_object(compose_config(["+experiment=codeio", "source.path=x", "cache.dir=/tmp/x"]).trainer)
    assert cfg.batch_unit == "samples" and cfg.batching == "packing"
    per_pass = cfg.micro_batch_size * cfg.devices * cfg.num_nodes  # 4 x 8
    rows = rows_per_step(cfg.global_batch_size, cfg.batch_unit, 4.3, per_pass)
    assert rows == 256 and rows % per_pass == 0  # round(1024 / 4.3) = 238 -> 8 micro-batches of 32
    assert rows_per_step(cfg.stage2.global_batch_size, "samples", 1.0, per_pass) == 1024  # no packing
    assert rows_per_step(1024, "rows", 4.3, per_pass) == 1024  # the old unit, kept as an option
    assert samples_per_row(43, 10) == 4.3
    with pytest.raises(ValueError, match="batch_unit"):
        TrainerConfig(batch_unit="tokens")
