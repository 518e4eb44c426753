"""``run_training``: stage 1 on CodeI/O data, then stage 2 on instruction data from the stage-1 weights.

Layout under ``out_dir``::

    stage1/ checkpoints/{last.ckpt, step=N.ckpt}  logs/metrics.csv  tensorboard/  export/  tokenized/  report.json
    stage2/ ...
    report.json    both stages

A finished stage (its ``report.json`` present) is not trained again; an interrupted one resumes from
``checkpoints/last.ckpt`` at the same optimizer step and data position.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from codeio.train.config import ModelConfig, StageConfig, TrainerConfig


def resolve_model_path(model_cfg: ModelConfig, wait_s: float = 600.0) -> str:
    """The checkpoint to start from; the tiny model is built by global rank 0, the other ranks wait."""
    if model_cfg.source != "tiny":
        return str(model_cfg.path)
    from codeio.train.tiny import ensure_tiny_model, tiny_model_dir

    if _is_global_zero():
        return str(ensure_tiny_model(model_cfg.tiny))
    target = tiny_model_dir(model_cfg.tiny)
    deadline = time.time() + wait_s
    while not (target / "config.json").is_file():
        if time.time() > deadline:
            raise TimeoutError(f"rank 0 did not build the tiny model at {target} within {wait_s:.0f} s")
        time.sleep(1.0)
    return str(target)


def load_tokenizer(path: str, model_cfg: ModelConfig):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        path, trust_remote_code=model_cfg.trust_remote_code, local_files_only=model_cfg.local_files_only
    )
    if tokenizer.pad_token_id is None:  # e.g. LLaMA-3: pad positions are masked, any id will do
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _is_global_zero() -> bool:
    """Rank 0 before the Trainer exists (SLURM tasks, torchrun, Lightning's re-launched scripts)."""
    from lightning.fabric.utilities.rank_zero import _get_rank

    return (_get_rank() or 0) == 0 and int(os.environ.get("NODE_RANK", os.environ.get("GROUP_RANK", 0))) == 0


def _loggers(trainer_cfg: TrainerConfig, stage_dir: Path, run_name: str) -> list:
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

    loggers = []
    if "csv" in trainer_cfg.loggers:
        loggers.append(CSVLogger(save_dir=str(stage_dir), name="logs", version=""))
    if "tensorboard" in trainer_cfg.loggers:
        loggers.append(TensorBoardLogger(save_dir=str(stage_dir), name="tensorboard", version=""))
    if "wandb" in trainer_cfg.loggers:
        try:
            import wandb  # noqa: F401
        except ImportError as err:
            raise ImportError('trainer.loggers=[wandb] needs W&B: pip install -e ".[wandb]"') from err
        from lightning.pytorch.loggers import WandbLogger

        loggers.append(WandbLogger(project=trainer_cfg.wandb_project, name=run_name, save_dir=str(stage_dir)))
    return loggers


def train_stage(index: int, model_cfg: ModelConfig, trainer_cfg: TrainerConfig, stage: StageConfig,
                model_path: str, data: str | Path, stage_dir: Path, extra_callbacks: list | None = None,
                ) -> dict[str, Any]:
    """Train one stage and return its report; rank 0 writes ``stage_dir/report.json``.

    ``extra_callbacks``: more Lightning callbacks (monitoring, tests).
    """
    import lightning as L
    from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint

    from codeio.train.batch_unit import step_size_callback
    from codeio.train.datamodule import ChatDataModule
    from codeio.train.module import CausalLMModule, export_model
    from codeio.train.strategy import build_strategy

    started = time.time()
    L.seed_everything(trainer_cfg.seed + index, workers=True, verbose=False)
    tokenizer = load_tokenizer(model_path, model_cfg)
    datamodule = ChatDataModule(
        data, tokenizer, stage_dir / "tokenized", max_length=trainer_cfg.max_length,
        label_turns=stage.label_turns, batching=trainer_cfg.batching, micro_batch_size=trainer_cfg.micro_batch_size,
        seed=trainer_cfg.seed, num_workers=trainer_cfg.num_workers, chat_template=model_cfg.chat_template,
        tokenize_workers=trainer_cfg.tokenize_workers, truncation=trainer_cfg.truncation,
    )
    # mixed precision keeps fp32 master weights (a 1e-5 step is below bf16's resolution for most weights);
    # model.dtype applies to "true" precisions (bf16-true, 32-true)
    load_dtype = "float32" if trainer_cfg.precision.endswith("-mixed") else model_cfg.dtype
    module = CausalLMModule(
        model_path, dtype=load_dtype, attn_implementation=model_cfg.attn_implementation,
        trust_remote_code=model_cfg.trust_remote_code, local_files_only=model_cfg.local_files_only,
        lr=stage.lr, lr_schedule=stage.lr_schedule, min_lr=stage.min_lr, warmup_steps=stage.warmup_steps,
        weight_decay=trainer_cfg.weight_decay, betas=tuple(trainer_cfg.betas), eps=trainer_cfg.eps,
        gradient_checkpointing=trainer_cfg.gradient_checkpointing, zero3_leaf_modules=model_cfg.zero3_leaf_modules,
        strategy=trainer_cfg.strategy,
    )
    if trainer_cfg.strategy == "deepspeed":
        # Lightning calls configure_model inside deepspeed.zero.Init, where from_pretrained would load into
        # already-partitioned (empty) parameters; load the full model first and let ZeRO-3 partition it.
        module.configure_model()
    checkpoints = ModelCheckpoint(
        dirpath=str(stage_dir / "checkpoints"), filename="step={step}", auto_insert_metric_name=False,
        every_n_train_steps=trainer_cfg.checkpoint_every_n_steps, save_last=True, save_top_k=trainer_cfg.save_top_k,
    )
    step_size: dict[str, Any] = {}  # filled once the rows are planned (batch_unit.step_size_callback)
    callbacks = [step_size_callback(trainer_cfg, stage, step_size), checkpoints, *(extra_callbacks or [])]
    loggers = _loggers(trainer_cfg, stage_dir, f"{model_cfg.name}-stage{index}")
    if loggers:
        callbacks.append(LearningRateMonitor(logging_interval="step"))
    strategy = build_strategy(trainer_cfg, model_cfg, model_path)
    plugins = []
    from lightning.fabric.plugins.environments import SLURMEnvironment

    if SLURMEnvironment.detect():  # submitit owns requeue (conf/hydra/launcher/slurm_gpu.yaml): Lightning must not
        plugins.append(SLURMEnvironment(auto_requeue=False))
    trainer = L.Trainer(
        accelerator=trainer_cfg.accelerator, devices=trainer_cfg.devices, num_nodes=trainer_cfg.num_nodes,
        strategy=strategy, precision=trainer_cfg.precision, max_steps=stage.max_steps,
        max_epochs=stage.max_epochs if stage.max_steps == -1 else -1,
        accumulate_grad_batches=trainer_cfg.accumulation(stage),
        # Lightning's FSDP strategy refuses norm clipping through the Trainer; the other strategies clip here
        gradient_clip_val=None if trainer_cfg.strategy == "fsdp" else (trainer_cfg.gradient_clip_val or None),
        log_every_n_steps=trainer_cfg.log_every_n_steps, callbacks=callbacks, logger=loggers or False,
        use_distributed_sampler=False, default_root_dir=str(stage_dir), enable_model_summary=False,
        limit_val_batches=0, num_sanity_val_steps=0, enable_progress_bar=trainer_cfg.progress_bar,
        plugins=plugins or None,
    )
    last = stage_dir / "checkpoints" / "last.ckpt"
    ckpt_path = str(last) if trainer_cfg.resume and last.is_file() else None
    if ckpt_path is not None and trainer.is_global_zero:
        from lightning.pytorch.loggers import CSVLogger

        from codeio.train.metrics_log import checkpoint_step, keep_rows_before_resume

        step = checkpoint_step(ckpt_path)
        for logger in loggers:
            if isinstance(logger, CSVLogger):
                keep_rows_before_resume(logger, step)
    trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    # the final state, whatever the checkpoint interval: last.ckpt always matches the exported weights
    trainer.save_checkpoint(str(last))
    export_dir = stage_dir / "export"
    if trainer_cfg.export:
        export_model(trainer, module, tokenizer, export_dir, dtype=model_cfg.dtype)
    import torch

    # every rank counted its own tokens; the report gives the sum over ranks
    tokens = trainer.strategy.reduce(torch.tensor(float(module.tokens_seen), device=trainer.strategy.root_device),
                                     reduce_op="sum")
    report = {
        "stage": index,
        "data": str(data),
        "model_in": model_path,
        "steps": int(trainer.global_step),
        "global_batch_size": stage.global_batch_size,
        **step_size,
        "loss_start": module.first_loss,
        "loss_end": module.last_loss,
        "tokens": int(tokens),
        "data_stats": datamodule.summary(),
        "truncated_samples": int(datamodule.store.stats["truncated"]),
        "seconds": round(time.time() - started, 2),
        "resumed_from": ckpt_path,
        "checkpoint_dir": str(stage_dir / "checkpoints"),
        "export_dir": str(export_dir) if trainer_cfg.export else None,
        "settings": {"lr": stage.lr, "lr_schedule": stage.lr_schedule, "min_lr": stage.min_lr,
                     "warmup_steps": stage.warmup_steps, "max_steps": stage.max_steps,
                     "max_epochs": stage.max_epochs, "label_turns": stage.label_turns},
    }
    if trainer.is_global_zero:
        (stage_dir / "report.json").write_text(json.dumps(report, indent=2))
    trainer.strategy.barrier("stage-report")
    return report


def run_training(model_cfg: ModelConfig, trainer_cfg: TrainerConfig, stage1_data: str | Path,
                 stage2_data: str | Path | None, out_dir: Path) -> dict[str, Any]:
    """Train stage 1 on ``stage1_data`` and, when given, stage 2 on ``stage2_data`` from stage-1 weights.

    ``trainer.train_data`` / ``trainer.stage2_data``, when set, replace the data passed in (so
    ``stages=[train] trainer.train_data=FILE.jsonl`` trains on data made elsewhere). Returns a JSON-able
    report with one entry per stage (steps, loss at start and end, tokens, truncated samples, seconds,
    checkpoint and export directories).
    """
    out_dir = Path(out_dir)
    data1 = trainer_cfg.train_data or stage1_data
    data2 = trainer_cfg.stage2_data or stage2_data
    if not data1 or not Path(data1).exists():
        raise FileNotFoundError(f"stage-1 training data not found: {data1!r}")
    if data2 and not Path(data2).exists():
        raise FileNotFoundError(f"stage-2 training data not found: {data2!r}")
    if data2 and not trainer_cfg.export:
        raise ValueError("stage 2 starts from the exported stage-1 weights: trainer.export must be true")

    model_path = resolve_model_path(model_cfg)
    report: dict[str, Any] = {"model": model_cfg.name, "stages": []}
    plan = [(1, data1)] + ([(2, data2)] if data2 else [])
    for index, data in plan:
        stage_dir = out_dir / f"stage{index}"
        done = stage_dir / "report.json"
        if trainer_cfg.resume and done.is_file() and (stage_dir / "export" / "config.json").is_file():
            stage_report = json.loads(done.read_text())
            stage_report["reused"] = True
        else:
            stage_report = train_stage(index, model_cfg, trainer_cfg, trainer_cfg.stage(index), model_path,
                                       data, stage_dir)
        report["stages"].append(stage_report)
        model_path = stage_report["export_dir"] or model_path
    report["final_model"] = report["stages"][-1]["export_dir"]
    if _is_global_zero():
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    return report
