"""Configs of the ``train`` stage: the model to fine-tune (group ``model``) and how to train it (``trainer``).

Light module: no torch / transformers import, so Hydra can register the schemas cheaply.

These are settings, not components: ``codeio.train.run_training(model, trainer, ...)`` takes the typed
``ModelConfig`` and ``TrainerConfig`` directly.

Stage settings: the top-level trainer fields are stage 1 (CodeI/O data) plus everything both stages share
(hardware, strategy, lengths, batching); the ``stage2`` block holds what stage 2 (instruction tuning, started
from the stage-1 weights) sets differently: schedule, learning rate, steps, batch size, loss turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from codeio.train.batch_unit import BATCH_UNITS

TRANSPORT = {"affects_output": False}
"""Field metadata of settings that change how fast or where training runs, never the weights it writes."""

ATTN_IMPLEMENTATIONS = ("eager", "sdpa", "flash_attention_2", "flash_attention_3", "flex_attention")
STRATEGIES = ("auto", "ddp", "fsdp", "deepspeed")
LR_SCHEDULES = ("constant", "cosine")
LABEL_TURNS = ("all", "last")
TRUNCATION_MODES = ("right", "prompt_first")
LOGGERS = ("csv", "tensorboard", "wandb")
PRECISIONS = ("32-true", "bf16-mixed", "bf16-true", "16-mixed")
TINY_ARCHS = ("qwen2", "llama")
BATCHING_MODES = ("padding", "grouped", "packing")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {list(choices)}")


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")


@dataclass
class TinyModelConfig:
    """A small randomly initialised model and a byte-level BPE tokenizer trained on the spot (CPU runs)."""

    arch: str = "qwen2"
    """``qwen2`` or ``llama`` architecture."""
    vocab_size: int = 1024
    """Target vocabulary of the BPE tokenizer (the model's embedding matches the trained vocabulary)."""
    hidden_size: int = 64
    """Width of the residual stream."""
    num_layers: int = 2
    """Transformer blocks."""
    num_heads: int = 4
    """Attention heads (``hidden_size`` must divide by it)."""
    num_kv_heads: int = 2
    """Key/value heads (grouped-query attention; ``num_heads`` must divide by it)."""
    intermediate_size: int = 128
    """Width of each block's MLP."""
    max_position_embeddings: int = 4096
    """Longest sequence the model accepts."""
    seed: int = 0
    """Seed of the random initialisation."""
    cache_dir: str = field(default=".cache/codeio/tiny_models", metadata=TRANSPORT)
    """Where the built model + tokenizer are kept (keyed by a hash of these fields), so it is built once."""
    corpus: str | None = None
    """Text file (or JSONL of chat rows) to train the tokenizer on; None = a built-in text."""

    def __post_init__(self) -> None:
        _check_choice("model.tiny.arch", self.arch, TINY_ARCHS)
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "num_kv_heads",
                     "intermediate_size", "max_position_embeddings"):
            _check_positive(f"model.tiny.{name}", getattr(self, name))
        if self.hidden_size % self.num_heads or self.num_heads % self.num_kv_heads:
            raise ValueError("model.tiny: hidden_size must divide by num_heads and num_heads by num_kv_heads")
        if self.vocab_size < 300:
            raise ValueError("model.tiny.vocab_size must be >= 300 (256 bytes + special tokens + merges)")


@dataclass
class ModelConfig:
    """Which causal LM to fine-tune and how to load it."""

    name: str = "tiny"
    """Short label used in run directories and reports."""
    source: str = "tiny"
    """``pretrained`` (``path`` is a local directory or hub id) or ``tiny`` (built locally, see ``tiny``)."""
    path: str | None = None
    """Local directory or hub id for ``source=pretrained``; point it at a local copy on offline clusters."""
    attn_implementation: str = "sdpa"
    """``sdpa`` (packed rows: one causal SDPA call per sample), ``eager`` (packed rows: block-diagonal 4D
    mask), ``flash_attention_2``/``_3`` (packed rows: the varlen kernel; without flash-attn installed, or
    without a GPU, training falls back to per-sample SDPA and says so). Gemma-2 soft-caps attention
    logits: use flash or eager, not sdpa."""
    dtype: str = "bfloat16"
    """Dtype the weights are loaded in under ``trainer.precision=bf16-true``/``32-true``; mixed precisions
    (``bf16-mixed``) always keep float32 master weights and compute in bf16."""
    trust_remote_code: bool = False
    """Run the model repository's own Python code (some architectures need it)."""
    local_files_only: bool = field(default=False, metadata=TRANSPORT)
    """True: never contact the hub (clusters without network)."""
    chat_template: str | None = None
    """Jinja chat template (text or a path to a file) replacing the tokenizer's; used as the fallback when
    the tokenizer has none. None: tokenizer's own template, else the built-in ChatML fallback."""
    layer_cls: list[str] = field(default_factory=list)
    """Transformer-block class names for FSDP auto-wrap / activation checkpointing; empty = the model's
    ``_no_split_modules``."""
    zero3_leaf_modules: list[str] = field(default_factory=list)
    """Class names DeepSpeed ZeRO-3 must treat as leaves (MoE blocks whose experts are called sparsely)."""
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)
    """The model built when ``source=tiny``."""

    def __post_init__(self) -> None:
        _check_choice("model.source", self.source, ("pretrained", "tiny"))
        _check_choice("model.attn_implementation", self.attn_implementation, ATTN_IMPLEMENTATIONS)
        _check_choice("model.dtype", self.dtype, ("bfloat16", "float32", "float16"))
        if self.source == "pretrained" and not self.path:
            raise ValueError("model.path is required when model.source=pretrained (local dir or hub id)")
        if isinstance(self.tiny, Mapping):
            self.tiny = TinyModelConfig(**dict(self.tiny))
        self.layer_cls = list(self.layer_cls)
        self.zero3_leaf_modules = list(self.zero3_leaf_modules)


@dataclass
class StageConfig:
    """Settings one training stage sets for itself (stage 2's block; stage 1's live on the trainer)."""

    lr: float = 3e-5
    """Peak learning rate (AdamW)."""
    lr_schedule: str = "cosine"
    """``constant`` or ``cosine`` (from ``lr`` down to ``min_lr`` at the last step)."""
    min_lr: float = 1e-6
    """Where the cosine schedule ends."""
    warmup_steps: int = 0
    """Linear warmup from 0 (the paper uses none)."""
    max_steps: int = 700
    """Optimizer steps; -1 = ``max_epochs`` passes over the data."""
    max_epochs: int = 1
    """Passes over the data when ``max_steps`` is -1."""
    global_batch_size: int = 1024
    """Per optimizer step over all devices: samples or rows, as ``trainer.batch_unit`` says."""
    label_turns: str = "all"
    """Which assistant turns carry loss: ``all`` or ``last``."""

    def __post_init__(self) -> None:
        _check_stage_fields(self, "trainer.stage2")


def _check_stage_fields(cfg: Any, prefix: str) -> None:
    _check_positive(f"{prefix}.lr", cfg.lr)
    _check_positive(f"{prefix}.min_lr", cfg.min_lr, allow_zero=True)
    _check_choice(f"{prefix}.lr_schedule", cfg.lr_schedule, LR_SCHEDULES)
    _check_choice(f"{prefix}.label_turns", cfg.label_turns, LABEL_TURNS)
    _check_positive(f"{prefix}.warmup_steps", cfg.warmup_steps, allow_zero=True)
    _check_positive(f"{prefix}.global_batch_size", cfg.global_batch_size)
    if cfg.max_steps == 0 or cfg.max_steps < -1:
        raise ValueError(f"{prefix}.max_steps must be -1 (use max_epochs) or > 0, got {cfg.max_steps}")
    if cfg.max_steps == -1:
        _check_positive(f"{prefix}.max_epochs", cfg.max_epochs)
    if cfg.min_lr > cfg.lr:
        raise ValueError(f"{prefix}.min_lr ({cfg.min_lr}) exceeds lr ({cfg.lr})")


STAGE_FIELDS = tuple(f.name for f in fields(StageConfig))


@dataclass
class TrainerConfig:
    """How to train: stage-1 settings and shared settings at the top level, stage 2 in ``stage2``."""

    train_data: str | None = None
    """JSONL of ``{"messages": [...]}`` rows (or a ``datasets`` directory) for stage 1; overrides the
    upstream ``assemble`` output, so ``stages=[train]`` trains on data made elsewhere."""
    stage2_data: str | None = None
    """Instruction data for stage 2 (same formats); None and no upstream stage-2 data = stage 1 only."""
    # --- stage 1 (the paper: constant LR 1e-5, one epoch, batch 1024, no warmup); same meanings as in
    # StageConfig, which documents each field
    lr: float = 1e-5
    """Stage 1's peak learning rate."""
    lr_schedule: str = "constant"
    """Stage 1's schedule: ``constant`` or ``cosine``."""
    min_lr: float = 0.0
    """Where stage 1's cosine schedule ends."""
    warmup_steps: int = 0
    """Stage 1's linear warmup."""
    max_steps: int = -1
    """Stage 1's optimizer steps; -1 = ``max_epochs`` passes."""
    max_epochs: int = 1
    """Stage 1's passes over the data when ``max_steps`` is -1."""
    global_batch_size: int = 1024
    """Stage 1's samples (or rows, see ``batch_unit``) per optimizer step over all devices."""
    label_turns: str = "all"
    """Stage 1's assistant turns that carry loss: ``all`` or ``last``."""
    stage2: StageConfig = field(default_factory=StageConfig)
    """What stage 2 (instruction tuning from the stage-1 weights) sets for itself."""
    # --- shared by both stages
    batch_unit: str = "samples"
    """What ``global_batch_size`` counts (both stages): ``samples`` (the paper's batch 1024; with packing
    the rows per step come from the packing plan, about 1024 / 4.3 on CodeI/O data) or ``rows`` (packed
    rows; with packing about 4.3x more samples per step). The stage report logs ``samples_per_step``."""
    micro_batch_size: int = 1
    """Rows per device per forward pass; accumulation = rows per step / (devices x nodes x micro)."""
    max_length: int = 4096
    """Tokens per sample (longer samples are truncated and counted) and per packed row."""
    truncation: str = "right"
    """How a sample longer than ``max_length`` is cut: ``right`` keeps its first ``max_length`` tokens (a
    sample whose answer starts past that point has nothing left to learn and is dropped, counted as
    ``no_assistant_tokens_after_truncation``); ``prompt_first`` removes prompt tokens from the front of
    the prompt first, so the answer is kept (its end is cut only if the answer alone is too long)."""
    batching: str = "packing"
    """Which samples share a micro-batch and how they are laid out (docs/training.md, "Batching"):
    ``padding``: samples in random order, each micro-batch padded to its longest sample;
    ``grouped``: padding, with micro-batches of similar lengths (sorted within large seeded windows, like
    Hugging Face's ``group_by_length``); ``packing``: rows of ``max_length`` filled with whole samples,
    attention kept inside each sample by variable-length attention (flash-attention varlen on GPU,
    per-sample SDPA otherwise). Every mode gives the same per-token losses for the same samples, yet the
    field enters cache keys (no ``affects_output=False``): the mode decides the order of the samples and
    which of them share an optimiser step (with packing, ``global_batch_size`` counts samples or packed
    rows as ``batch_unit`` says), so the trained weights differ from mode to mode."""
    packing: bool | None = None
    """Deprecated spelling kept for old command lines: true = ``batching=packing``; false turns
    ``batching=packing`` into ``padding`` (and leaves ``grouped`` alone). Reset to None once applied."""
    accelerator: str = "auto"
    """Lightning accelerator: ``auto``, ``cpu``, ``gpu``."""
    devices: int = 1
    """Devices per node (on SLURM: tasks per node)."""
    num_nodes: int = 1
    """Nodes of a multi-node run."""
    strategy: str = "auto"
    """``auto``, ``ddp``, ``fsdp`` (block auto-wrap, activation checkpointing, full state dict on save)
    or ``deepspeed`` (ZeRO-3; needs ``pip install -e ".[deepspeed]"``)."""
    precision: str = "bf16-mixed"
    """Lightning precision: ``bf16-mixed`` (float32 master weights), ``bf16-true``, ``32-true``, ``16-mixed``."""
    collective_timeout_min: int = field(default=180, metadata=TRANSPORT)
    """Timeout of collectives (ddp / fsdp / deepspeed): long enough for rank 0 to tokenize large data sets
    while the other ranks wait."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass (less memory, more compute)."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    betas: list[float] = field(default_factory=lambda: [0.9, 0.95])
    """AdamW betas."""
    eps: float = 1e-8
    """AdamW epsilon."""
    gradient_clip_val: float = 1.0
    """Gradient-norm clip (0 = none)."""
    seed: int = 42
    """Model-independent seed: data order, length groups and packing plan."""
    num_workers: int = field(default=0, metadata=TRANSPORT)
    """Data-loader worker processes per rank (collation of micro-batches)."""
    tokenize_workers: int = field(default=1, metadata=TRANSPORT)
    """Processes that tokenize the data set (once, on global rank 0)."""
    checkpoint_every_n_steps: int = 100
    """Optimizer steps between step checkpoints (a killed run resumes from the latest)."""
    save_top_k: int = 1
    """How many step checkpoints to keep besides ``last.ckpt``."""
    resume: bool = True
    """Continue from ``<stage dir>/checkpoints/last.ckpt`` when it exists (same step, same data position)."""
    log_every_n_steps: int = 1
    """Steps between logged metrics."""
    progress_bar: bool = field(default=True, metadata=TRANSPORT)
    """Lightning's progress bar."""
    loggers: list[str] = field(default_factory=lambda: ["csv", "tensorboard"])
    """Metric loggers: ``csv``, ``tensorboard``, ``wandb`` (``pip install -e ".[wandb]"``)."""
    wandb_project: str = field(default="codeio", metadata=TRANSPORT)
    """W&B project name when ``wandb`` logs."""
    export: bool = True
    """Write the final weights with ``save_pretrained`` plus the tokenizer to ``<stage dir>/export``."""

    def __post_init__(self) -> None:
        _check_stage_fields(self, "trainer")
        if isinstance(self.stage2, Mapping):
            self.stage2 = StageConfig(**dict(self.stage2))
        _check_choice("trainer.strategy", self.strategy, STRATEGIES)
        _check_choice("trainer.batch_unit", self.batch_unit, BATCH_UNITS)
        _check_choice("trainer.precision", self.precision, PRECISIONS)
        if self.packing is not None:  # the old boolean switch, applied onto batching
            if self.packing:
                self.batching = "packing"
            elif self.batching == "packing":
                self.batching = "padding"
            self.packing = None
        _check_choice("trainer.batching", self.batching, BATCHING_MODES)
        _check_choice("trainer.truncation", self.truncation, TRUNCATION_MODES)
        for name in ("micro_batch_size", "max_length", "devices", "num_nodes", "checkpoint_every_n_steps",
                     "log_every_n_steps"):
            _check_positive(f"trainer.{name}", getattr(self, name))
        _check_positive("trainer.num_workers", self.num_workers, allow_zero=True)
        _check_positive("trainer.tokenize_workers", self.tokenize_workers)
        self.loggers = list(self.loggers)
        self.betas = [float(b) for b in self.betas]
        for name in self.loggers:
            _check_choice("trainer.loggers[]", name, LOGGERS)
        if len(self.betas) != 2:
            raise ValueError(f"trainer.betas needs two values, got {self.betas}")
        for stage in (self, self.stage2) if self.batch_unit == "rows" else ():
            per_step = self.micro_batch_size * self.devices * self.num_nodes
            if stage.global_batch_size % per_step:
                raise ValueError(
                    f"global_batch_size={stage.global_batch_size} is not a multiple of micro_batch_size x "
                    f"devices x num_nodes = {per_step}"
                )

    def stage(self, index: int) -> StageConfig:
        """The settings of stage 1 or 2 as one ``StageConfig``."""
        if index == 1:
            return StageConfig(**{name: getattr(self, name) for name in STAGE_FIELDS})
        if index == 2:
            return self.stage2
        raise ValueError(f"there are two stages, not {index}")

    def accumulation(self, stage: StageConfig) -> int:
        """Gradient accumulation steps that reach the stage's global batch on this hardware."""
        return stage.global_batch_size // (self.micro_batch_size * self.devices * self.num_nodes)


SCHEMAS = {
    "model": {"model_schema": ModelConfig},
    "trainer": {"trainer_schema": TrainerConfig},
}
