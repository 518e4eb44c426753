"""Lightning strategy objects for ``trainer.strategy`` = auto / ddp / fsdp / deepspeed."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from codeio.train.config import ModelConfig, TrainerConfig


def transformer_block_classes(model_path: str, model_cfg: ModelConfig) -> set[type]:
    """The decoder-block classes of a checkpoint, from ``model.layer_cls`` or its ``_no_split_modules``.

    Read from the config alone: no weights are loaded.
    """
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(
        model_path, trust_remote_code=model_cfg.trust_remote_code, local_files_only=model_cfg.local_files_only
    )
    model_class = AutoModelForCausalLM._model_mapping[type(config)]
    names = model_cfg.layer_cls or list(getattr(model_class, "_no_split_modules", None) or [])
    module = sys.modules[model_class.__module__]
    classes = {getattr(module, name) for name in names if hasattr(module, name)}
    if not classes:
        raise ValueError(
            f"cannot find the transformer block class of {model_class.__name__} (looked for {names}); "
            "set model.layer_cls"
        )
    return classes


def build_strategy(trainer_cfg: TrainerConfig, model_cfg: ModelConfig, model_path: str) -> Any:
    name = trainer_cfg.strategy
    timeout = timedelta(minutes=trainer_cfg.collective_timeout_min)
    if name == "auto":
        return "auto"
    if name == "ddp":
        from lightning.pytorch.strategies import DDPStrategy

        return DDPStrategy(find_unused_parameters=bool(model_cfg.zero3_leaf_modules), gradient_as_bucket_view=True,
                           timeout=timeout)
    if name == "fsdp":
        from lightning.pytorch.strategies import FSDPStrategy

        blocks = transformer_block_classes(model_path, model_cfg)
        return FSDPStrategy(
            auto_wrap_policy=blocks,
            activation_checkpointing_policy=blocks if trainer_cfg.gradient_checkpointing else None,
            sharding_strategy="FULL_SHARD",
            state_dict_type="full",
            limit_all_gathers=True,
            use_orig_params=True,
            timeout=timeout,
        )
    if name == "deepspeed":
        try:
            import deepspeed  # noqa: F401
        except ImportError as err:
            raise ImportError('trainer.strategy=deepspeed needs DeepSpeed: pip install -e ".[deepspeed]"') from err
        from lightning.pytorch.strategies import DeepSpeedStrategy

        return DeepSpeedStrategy(stage=3, offload_optimizer=False, offload_parameters=False,
                                 contiguous_gradients=True, overlap_comm=True, timeout=timeout)
    raise ValueError(f"unknown strategy {name!r}")
