"""Config of ``python -m codeio.plan`` (``conf/plan.yaml``): the cluster, the corpus size and the plan's
assumptions. Light module. The pipeline's own settings come from ``conf/config.yaml`` as for
``python -m codeio``; these keys (``cluster.*``, ``scale.*``, ``plan.*``) are the plan's alone.

Every default that is not measured here says where it comes from; the printed plan labels each figure
``measured`` (with the recorded benchmark and its command) or ``assumed`` (with this source).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

PLAN_GROUPS = ("cluster", "scale")
"""Config groups of the plan command only (``conf/cluster/``, ``conf/scale/``); the pipeline has none of them."""


def _positive(name: str, value: float | None, allow_zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def _share(name: str, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")


@dataclass
class ClusterConfig:
    """The machines the run would use. CPU stages (collect ... assemble) run on the CPU nodes, sharded
    stages over all of them (``shard.count`` array tasks); the teacher and training on the GPUs."""

    nodes: int = 1
    """CPU nodes the sharded data stages are spread over."""
    cores_per_node: int = 2
    """Cores of each CPU node (the default, 1 x 2, is the machine the benchmark ran on)."""
    core_utilisation: float | None = None
    """Share of each core a sharded stage keeps busy. None = per stage, as measured here (CPU seconds /
    wall seconds / cores of the benchmark's run), which assumes the cluster's shards keep their cores as
    busy as one run keeps this machine's."""
    gpus: int = 0
    """GPUs in all (not per node): the teacher runs on replicas of ``teacher.tensor_parallel_size`` GPUs
    taken from them, training uses all of them data-parallel. 0 = GPU stages get GPU-hours but no wall time."""
    gpu_peak_tflops: float = 989.0
    """Dense BF16 peak of one GPU in TFLOP/s. Default: NVIDIA H100 SXM (989 TFLOP/s, H100 datasheet)."""
    train_flops_utilisation: float = 0.40
    """Share of the peak that training achieves (model FLOPs / peak). Default: the 38-43% BF16 MFU that
    Llama 3's report (arXiv:2407.21783, Table 4) gives for H100 training; measure yours."""
    teacher_prefill_tokens_per_gpu_s: float = 12_500.0
    """Prompt tokens the teacher reads per second per GPU. Default: DeepSeek-V2's report (arXiv:2405.04434,
    section 3.2.3): above 100K prompt tokens/s on one node of 8 H800 with DeepSeek's FP8 serving stack,
    an optimistic figure for vLLM in BF16; measure yours with a pilot run."""
    teacher_decode_tokens_per_gpu_s: float = 6_250.0
    """Answer tokens the teacher writes per second per GPU. Default: the same report, above 50K generated
    tokens/s on 8 H800 (FP8); optimistic for vLLM in BF16."""
    disk_gb: float | None = None
    """Shared disk available to the cache (GB); the plan says when the data would not fit. None = unchecked."""

    def __post_init__(self) -> None:
        for name in ("nodes", "cores_per_node"):
            if getattr(self, name) < 1:
                raise ValueError(f"cluster.{name} must be >= 1, got {getattr(self, name)}")
        if self.gpus < 0:
            raise ValueError(f"cluster.gpus must be >= 0 (GPUs in all), got {self.gpus}")
        _share("cluster.core_utilisation", self.core_utilisation)
        if self.core_utilisation == 0:
            raise ValueError("cluster.core_utilisation must be > 0 (or null: as measured)")
        _share("cluster.train_flops_utilisation", self.train_flops_utilisation)
        for name in ("gpu_peak_tflops", "teacher_prefill_tokens_per_gpu_s", "teacher_decode_tokens_per_gpu_s",
                     "train_flops_utilisation"):
            _positive(f"cluster.{name}", getattr(self, name))
        _positive("cluster.disk_gb", self.disk_gb)


@dataclass
class ScaleConfig:
    """How much data the plan is for, per corpus (the names rows carry in ``source``, which select
    ``sampler.pairs_per_source``)."""

    name: str = "custom"
    """Label printed with the plan."""
    raw_files: dict[str, int] = field(default_factory=dict)
    """Input rows per corpus: raw code files (one LLM rewrite each) or pre-unified functions."""
    functions: dict[str, int] | None = None
    """Functions kept after sampling per corpus (the paper reports these). None = ``raw_files`` times the
    transform and sample yields measured here."""
    source: str = ""
    """Where the counts come from (printed with the plan)."""

    def __post_init__(self) -> None:
        if not self.raw_files:
            raise ValueError("scale.raw_files is empty: give the input rows per corpus, e.g. scale=paper, or "
                             "scale=slice scale.raw_files.pyedu_r=400")
        for corpus, n in dict(self.raw_files).items():
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"scale.raw_files.{corpus} must be an integer >= 1, got {n!r}")
        if self.functions is not None:
            missing = sorted(set(self.raw_files) - set(self.functions))
            if missing or set(self.functions) - set(self.raw_files):
                raise ValueError("scale.functions must name the same corpora as scale.raw_files "
                                 f"({sorted(self.raw_files)}), or be null")
            for corpus, n in dict(self.functions).items():
                if not isinstance(n, int) or not 1 <= n <= self.raw_files[corpus]:
                    raise ValueError(f"scale.functions.{corpus} must be an integer in [1, raw_files], got {n!r}")


@dataclass
class TeacherAssumptions:
    """What the teacher's answers are like: not measurable without the model."""

    response_tokens: float | None = None
    """Mean tokens of one answer (respond and each revision turn). None = the execution-trace teacher's
    mean answer on the benchmark's tasks (measured here), a stand-in for DeepSeek-V2.5's chain of thought,
    whose length is not known here. Capped at ``teacher.sampling.max_tokens``."""
    rewrite_response_tokens: float | None = None
    """Mean tokens of one transform rewrite (the unified function as markdown). None = the paper's own
    rewrites of its 1K demo files (``rawcode_1k_parsed.jsonl``: query, I/O description, code) plus the mean
    reasoning-gym input generator, measured here."""
    turn1_correct_rate: float = 0.5
    """Share of turn-1 answers verified correct (PAPER.md step 7: about 50% for DeepSeek-V2.5). An
    execution-trace teacher uses the rate measured here instead."""
    revision_fix_rate_input: float = 0.16
    """Share of wrong input predictions a revision turn fixes (PAPER.md step 7: ~16% in the first revision;
    later turns assumed the same, an upper bound since "a second revision helps little")."""
    revision_fix_rate_output: float = 0.10
    """The same for output predictions (PAPER.md: ~10%)."""

    def __post_init__(self) -> None:
        _positive("plan.teacher.response_tokens", self.response_tokens)
        _positive("plan.teacher.rewrite_response_tokens", self.rewrite_response_tokens)
        for name in ("turn1_correct_rate", "revision_fix_rate_input", "revision_fix_rate_output"):
            _share(f"plan.teacher.{name}", getattr(self, name))


def _known_params() -> dict[str, float]:
    # parameters per token of the forward pass (active ones for a mixture of experts), from the model cards
    return {"qwen2.5-coder-7b": 7.61e9, "llama-3.1-8b": 8.03e9, "deepseek-coder-v2-lite": 2.4e9,
            "gemma-2-27b": 27.2e9}


@dataclass
class TrainAssumptions:
    """What training costs per token: the model's size and the instruction data's length."""

    params: dict[str, float] = field(default_factory=_known_params)
    """Parameters used per token, by ``model.name`` (active parameters of a mixture of experts):
    Qwen2.5-Coder-7B 7.61B, Llama-3.1-8B 8.03B, DeepSeek-Coder-V2-Lite 2.4B active of 15.7B, Gemma-2-27B
    27.2B (their model cards). Training FLOPs = 6 x params x tokens (Kaplan et al. 2020), 8 x with
    ``trainer.gradient_checkpointing`` (the forward pass runs twice)."""
    stage2_tokens_per_sample: float | None = None
    """Mean tokens of one stage-2 instruction sample. None = ``trainer.max_length``: an upper bound (every
    sample as long as a row can be); set it from your instruction data."""
    checkpoint_bytes_per_param: float = 16.0
    """Bytes on disk per parameter of a resumable checkpoint (bf16 weights 2 + fp32 master weights 4 +
    two fp32 AdamW moments 8 + rounding), kept once per stage; the exported weights add 2 bytes/param."""

    def __post_init__(self) -> None:
        for name, value in dict(self.params).items():
            _positive(f"plan.train.params.{name}", value)
        _positive("plan.train.stage2_tokens_per_sample", self.stage2_tokens_per_sample)
        _positive("plan.train.checkpoint_bytes_per_param", self.checkpoint_bytes_per_param)


@dataclass
class PlanConfig:
    """Where the measured costs are, where the plan goes, and the assumptions."""

    costs: str = "experiments/plan/costs.json"
    """The recorded benchmark (``python experiments/plan/bench_plan.py`` writes it). A relative path is
    looked up in the current directory, then in the codeio checkout."""
    out: str | None = None
    """Also write the plan as JSON to this file."""
    teacher: TeacherAssumptions = field(default_factory=TeacherAssumptions)
    """The teacher's answers (not measurable here)."""
    train: TrainAssumptions = field(default_factory=TrainAssumptions)
    """Training's cost per token (not measurable here)."""


@dataclass
class PlanRootConfig:
    """Root of ``conf/plan.yaml``."""

    cluster: Any = MISSING
    """The machines (group ``cluster``)."""
    scale: Any = MISSING
    """The corpus size (group ``scale``)."""
    plan: PlanConfig = field(default_factory=PlanConfig)
    """Inputs and assumptions of the plan."""


SCHEMAS = {
    None: {"plan_schema": PlanRootConfig},
    "cluster": {"local_schema": ClusterConfig},
    "scale": {"scale_schema": ScaleConfig},
}
