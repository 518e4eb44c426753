"""The LightningModule: a transformers causal LM fed padded or packed micro-batches, and the LR schedules.

How packed rows are kept apart (varlen attention, block-diagonal mask) lives in ``codeio.train.attention``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from codeio.train.attention import (  # noqa: F401 - block_causal_mask, flash_varlen_inputs: re-exported
    VARLEN_IMPLEMENTATIONS,
    block_causal_mask,
    flash_varlen_inputs,
    is_packed,
    training_attention,
)
from codeio.train.chat import IGNORE_INDEX


def lr_factor(step: int, total_steps: int, schedule: str, warmup_steps: int, lr: float, min_lr: float) -> float:
    """Multiplier of the peak LR at optimizer step ``step`` (0-based)."""
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    span = max(1, total_steps - warmup_steps - 1)
    progress = min(1.0, max(0.0, (step - warmup_steps) / span))
    floor = min_lr / lr
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


class CausalLMModule(L.LightningModule):
    """Fine-tunes a causal LM on labelled chat tokens; loss = mean over trained tokens of a micro-batch."""

    def __init__(self, model_path: str, dtype: str = "float32", attn_implementation: str = "sdpa",
                 trust_remote_code: bool = False, local_files_only: bool = False,
                 lr: float = 1e-5, lr_schedule: str = "constant", min_lr: float = 0.0, warmup_steps: int = 0,
                 weight_decay: float = 0.0, betas: tuple[float, float] = (0.9, 0.95), eps: float = 1e-8,
                 gradient_checkpointing: bool = False, zero3_leaf_modules: list[str] | None = None,
                 strategy: str = "auto") -> None:
        super().__init__()
        self.save_hyperparameters()
        self.model = None
        self.tokens_seen = 0
        """Non-padding tokens consumed by this rank so far (restored on resume)."""
        self.first_loss: float | None = None
        self.last_loss: float | None = None
        self.attention_fallback: str | None = None
        """Why training does not use the requested attention kernel (flash-attn missing), or None."""

    # ----- model
    def configure_model(self) -> None:
        """Load the weights inside the strategy's context (FSDP / DeepSpeed see the model being built)."""
        if self.model is not None:
            return
        from transformers import AutoModelForCausalLM

        hp = self.hparams
        implementation, self.attention_fallback = training_attention(hp.attn_implementation, self._soft_capped)
        if self.attention_fallback:
            from lightning.pytorch.utilities import rank_zero_warn

            rank_zero_warn(self.attention_fallback)
        self.model = AutoModelForCausalLM.from_pretrained(
            hp.model_path, dtype=getattr(torch, hp.dtype), attn_implementation=implementation,
            trust_remote_code=hp.trust_remote_code, local_files_only=hp.local_files_only,
        )
        self.model.config.use_cache = False
        self.model.train()  # from_pretrained returns eval mode; Lightning would otherwise train in eval mode
        if hp.gradient_checkpointing and not self._fsdp_checkpointing():
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hp.zero3_leaf_modules and hp.strategy == "deepspeed":
            from deepspeed.utils import set_z3_leaf_modules

            classes = [type(m) for m in self.model.modules() if type(m).__name__ in set(hp.zero3_leaf_modules)]
            set_z3_leaf_modules(self.model, sorted(set(classes), key=lambda c: c.__name__))

    def _soft_capped(self) -> bool:
        """Whether the model soft-caps attention logits (Gemma-2), which SDPA cannot do."""
        from transformers import AutoConfig

        hp = self.hparams
        config = AutoConfig.from_pretrained(hp.model_path, trust_remote_code=hp.trust_remote_code,
                                            local_files_only=hp.local_files_only)
        return getattr(config, "attn_logit_softcapping", None) is not None

    def _fsdp_checkpointing(self) -> bool:
        """FSDP applies activation checkpointing itself (per wrapped block)."""
        return self.hparams.strategy == "fsdp"

    @property
    def attn_implementation(self) -> str:
        return self.model.config._attn_implementation

    def model_inputs(self, batch: dict[str, torch.Tensor]) -> dict[str, Any]:
        """Keyword arguments for the HF model: padded rows, flattened varlen rows, or a block-diagonal mask."""
        if not is_packed(batch["seq_ids"]):
            # padding sits at the right end of each row, where a causal model never lets a real token look:
            # no mask and default positions give the same losses and keep the kernels' causal fast path
            return {"input_ids": batch["input_ids"]}
        implementation = self.attn_implementation
        if implementation in VARLEN_IMPLEMENTATIONS:
            flat = flash_varlen_inputs(batch)
            flat.pop("labels"), flat.pop("seq_ids")
            return flat
        if implementation in ("sdpa", "eager"):
            mask = block_causal_mask(batch["seq_ids"])
            if implementation == "eager":  # eager adds the mask to the scores
                device_type = mask.device.type
                dtype = (torch.get_autocast_dtype(device_type) if torch.is_autocast_enabled(device_type)
                         else self.model.dtype)
                mask = torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(
                    ~mask, torch.finfo(dtype).min
                )
            return {"input_ids": batch["input_ids"], "attention_mask": mask, "position_ids": batch["position_ids"]}
        # other kernels (flex): transformers splits packed rows from restarting position ids itself
        return {"input_ids": batch["input_ids"], "position_ids": batch["position_ids"]}

    def labels_of(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.attn_implementation in VARLEN_IMPLEMENTATIONS and is_packed(batch["seq_ids"]):
            return batch["labels"][batch["seq_ids"] >= 0][None]
        return batch["labels"]

    def token_losses(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-token cross-entropy (0 where untrained) and the labels it was computed against."""
        logits = self.model(**self.model_inputs(batch), use_cache=False).logits
        labels = self.labels_of(batch)
        losses = F.cross_entropy(
            logits.float().flatten(0, 1), labels.flatten(), ignore_index=IGNORE_INDEX, reduction="none"
        ).view_as(labels)
        return losses, labels

    def per_sample_token_losses(self, batch: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Loss of every trained token, one tensor per sample, row by row in packing order (tests, diagnostics)."""
        losses, _ = self.token_losses(batch)
        labels, seq_ids = batch["labels"], batch["seq_ids"]
        if losses.shape != labels.shape:  # a varlen kernel flattened the batch
            flat = torch.zeros_like(labels, dtype=losses.dtype)
            flat[seq_ids >= 0] = losses[0]
            losses = flat
        out = []
        for r in range(labels.shape[0]):
            for s in range(int(seq_ids[r].max()) + 1):
                out.append(losses[r][(seq_ids[r] == s) & (labels[r] != IGNORE_INDEX)])
        return out

    def per_sample_losses(self, batch: dict[str, torch.Tensor]) -> list[float]:
        """Mean loss of every sample in the batch, row by row, in packing order (tests, diagnostics)."""
        return [float(t.sum() / max(1, t.numel())) for t in self.per_sample_token_losses(batch)]

    # ----- training
    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        losses, labels = self.token_losses(batch)
        count = (labels != IGNORE_INDEX).sum()
        loss = losses.sum() / count.clamp(min=1)
        self.tokens_seen += int(batch["attention_mask"].sum())
        value = float(loss.detach())
        if self.first_loss is None:
            self.first_loss = value
        self.last_loss = value
        self.log("train/loss", loss, prog_bar=True, on_step=True, batch_size=labels.shape[0])
        self.log("train/tokens_seen", float(self.tokens_seen), on_step=True, batch_size=labels.shape[0])
        return loss

    def configure_optimizers(self):
        hp = self.hparams
        decay, no_decay = [], []
        for name, param in self.named_parameters():
            if param.requires_grad:
                (no_decay if param.ndim < 2 or "norm" in name.lower() else decay).append(param)
        groups = [{"params": decay, "weight_decay": hp.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW(groups, lr=hp.lr, betas=tuple(hp.betas), eps=hp.eps,
                                      fused=torch.cuda.is_available() or None)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: lr_factor(step, total, hp.lr_schedule, hp.warmup_steps, hp.lr, hp.min_lr),
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["codeio"] = {"tokens_seen": self.tokens_seen, "first_loss": self.first_loss,
                                "last_loss": self.last_loss}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        state = checkpoint.get("codeio", {})
        self.tokens_seen = int(state.get("tokens_seen", 0))
        self.first_loss = state.get("first_loss")
        self.last_loss = state.get("last_loss")


def export_model(trainer: L.Trainer, module: CausalLMModule, tokenizer, directory: Path,
                 dtype: str | None = None) -> Path | None:
    """Save the trained weights with ``save_pretrained`` plus the tokenizer (rank 0 writes).

    Called on every rank: FSDP gathers a full state dict, DeepSpeed ZeRO-3 gathers the partitions.
    ``dtype``: cast floating-point weights (e.g. fp32 master weights to the model's bfloat16).
    """
    strategy_name = type(trainer.strategy).__name__
    if "DeepSpeed" in strategy_name:
        import deepspeed

        params = list(module.model.parameters())
        with deepspeed.zero.GatheredParameters(params, modifier_rank=None):
            state = {k: v.detach().cpu().clone() for k, v in module.model.state_dict().items()} \
                if trainer.is_global_zero else None
    else:
        full = trainer.strategy.lightning_module_state_dict()
        state = {k.removeprefix("model."): v for k, v in full.items()} if trainer.is_global_zero else None
    if trainer.is_global_zero:
        directory.mkdir(parents=True, exist_ok=True)
        if dtype is not None:
            target = getattr(torch, dtype)
            state = {k: v.to(target) if v.is_floating_point() else v for k, v in state.items()}
            module.model.config.dtype = target
        module.model.save_pretrained(directory, state_dict=state)
        tokenizer.save_pretrained(directory)
    trainer.strategy.barrier("export")
    return directory
