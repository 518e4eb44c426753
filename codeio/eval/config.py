"""Config schemas of the ``evaluate`` stage (group ``eval``). Light module: no heavy imports.

``conf/eval/default.yaml`` (quickstart: the first CRUXEval-O tasks and the held-out CodeI/O tasks, scored
in minutes on a CPU) and ``conf/eval/paper.yaml`` (every benchmark of PAPER.md's Table 1 that has a
local implementation or an lm-eval task) select from these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BENCHMARKS = (
    "winogrande",
    "drop",
    "gsm8k",
    "math",
    "gpqa",
    "mmlu_stem",
    "leetcode_o",
    "cruxeval_i",
    "cruxeval_o",
    "bbh",
    "codeio_holdout",
)
"""Every benchmark name the evaluate stage knows, in the column order of the results table."""

LM_EVAL_BENCHMARKS = ("winogrande", "drop", "gsm8k", "math", "gpqa", "mmlu_stem", "bbh")


@dataclass
class GenerationConfig:
    """How a checkpoint generates answers (through the ``hf`` teacher) for the local benchmarks."""

    max_new_tokens: int = 512
    temperature: float = 0.0
    """0 = greedy (the paper's setting)."""
    top_p: float = 1.0
    samples: int = 1
    """Generations per prompt; pass@5 needs at least 5 (sampled, e.g. temperature 0.2)."""
    batch_size: int = 8
    device: str = "cpu"
    dtype: str = "float32"
    """``float32``, ``bfloat16`` or ``float16`` (passed to the ``hf`` teacher)."""
    chat_template: str | None = None
    """A Jinja chat template (text or file) for checkpoints whose tokenizer has none."""
    seed: int | None = 0
    system: str | None = None
    """Optional system message put before every prompt."""

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"eval.generation.max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"eval.generation.temperature must be >= 0, got {self.temperature}")
        if self.samples < 1:
            raise ValueError(f"eval.generation.samples must be >= 1, got {self.samples}")
        if self.batch_size < 1:
            raise ValueError(f"eval.generation.batch_size must be >= 1, got {self.batch_size}")
        if self.dtype not in ("float32", "bfloat16", "float16"):
            raise ValueError(f"eval.generation.dtype must be float32, bfloat16 or float16, got {self.dtype!r}")


@dataclass
class CruxEvalConfig:
    """CRUXEval-I and -O (both read the same data file)."""

    data_path: str = "../shared/data/cruxeval/cruxeval.jsonl"
    """A cruxeval.jsonl (code, input, output, id) or a ``datasets`` dir saved with ``save_to_disk``."""
    limit: int | None = None
    """Evaluate only the first N tasks (None = all 800)."""
    prompt_style: str = "direct"
    """``direct`` (answer only) or ``cot`` (reason step by step, then answer)."""
    timeout: float = 3.0
    """Seconds per checked program (the official scorer uses 3)."""
    check: str = "official"
    """``official``: output mode compares the prediction with the recorded output, as the published
    scorer does; ``execute``: compares it with a fresh ``f(input)`` call."""
    generations_output: str | None = None
    """Score this generations file (``{"sample_i": [..]}``) for CRUXEval-O instead of generating."""
    generations_input: str | None = None
    """Same for CRUXEval-I."""

    def __post_init__(self) -> None:
        if self.prompt_style not in ("direct", "cot"):
            raise ValueError(f"eval.cruxeval.prompt_style must be direct or cot, got {self.prompt_style!r}")
        if self.check not in ("official", "execute"):
            raise ValueError(f"eval.cruxeval.check must be official or execute, got {self.check!r}")
        if not self.timeout > 0:
            raise ValueError(f"eval.cruxeval.timeout must be > 0, got {self.timeout}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"eval.cruxeval.limit must be >= 1 or null, got {self.limit}")


@dataclass
class LeetCodeOConfig:
    """LeetCode-O (published format: one JSON line per test case with ``messages``; see leetcode_o.py)."""

    data_path: str | None = None
    """leetcode.jsonl (to generate) or a predictions file that already has ``output`` per line."""
    limit: int | None = None
    """Keep only the first N problems (all their rows, both languages)."""
    use_existing_outputs: bool = False
    """Score the ``output`` field already in the file instead of generating."""


@dataclass
class HoldoutConfig:
    """The held-out CodeI/O tasks (split by function upstream) scored by the verifier."""

    limit: int | None = None
    """Score only the first N held-out tasks."""
    timeout: float = 5.0
    """Seconds per input-prediction check."""


@dataclass
class LmEvalConfig:
    """General benchmarks through EleutherAI lm-evaluation-harness (``pip install -e ".[eval]"``)."""

    backend: str = "hf"
    """``hf`` (transformers) or ``vllm``."""
    tasks: dict[str, str] = field(default_factory=dict)
    """Benchmark -> lm-eval task/group name; empty = the defaults in ``lm_eval_bridge.DEFAULT_TASKS``."""
    num_fewshot: dict[str, int] = field(default_factory=dict)
    """Benchmark -> shots; unset benchmarks use ``lm_eval_bridge.DEFAULT_FEWSHOT`` (0, BBH 3)."""
    dataset_paths: dict[str, str] = field(default_factory=dict)
    """Benchmark -> local dataset path (replaces every sub-task's ``dataset_path``: a local copy of the
    hub dataset repository)."""
    include_path: str | None = None
    """Extra folder of lm-eval task YAMLs."""
    limit: float | None = None
    """Examples per task (int) or fraction (< 1); None = all."""
    batch_size: int = 1
    device: str = "cpu"
    model_args: dict[str, str] = field(default_factory=dict)
    """Extra ``model_args`` for the backend (e.g. ``dtype``, ``tensor_parallel_size``)."""
    apply_chat_template: bool = False

    def __post_init__(self) -> None:
        if self.backend not in ("hf", "vllm"):
            raise ValueError(f"eval.lm_eval.backend must be hf or vllm, got {self.backend!r}")


@dataclass
class EvalConfig:
    """The ``evaluate`` stage: which benchmarks, on which data, with which generation settings."""

    _target_: str = "codeio.eval.runner.Evaluator"
    benchmarks: list[str] = field(default_factory=lambda: ["cruxeval_o", "codeio_holdout"])
    """Benchmarks to run (columns of the results table), from ``config.BENCHMARKS``."""
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    cruxeval: CruxEvalConfig = field(default_factory=CruxEvalConfig)
    leetcode_o: LeetCodeOConfig = field(default_factory=LeetCodeOConfig)
    holdout: HoldoutConfig = field(default_factory=HoldoutConfig)
    lm_eval: LmEvalConfig = field(default_factory=LmEvalConfig)
    cruxeval_metric: str = "pass@1"
    """Which CRUXEval number goes into the table (``pass@1`` or ``pass@5``)."""

    def __post_init__(self) -> None:
        unknown = [b for b in self.benchmarks if b not in BENCHMARKS]
        if unknown:
            raise ValueError(f"eval.benchmarks: unknown {unknown}; known: {list(BENCHMARKS)}")
        if self.cruxeval_metric not in ("pass@1", "pass@5"):
            raise ValueError(f"eval.cruxeval_metric must be pass@1 or pass@5, got {self.cruxeval_metric!r}")


SCHEMAS = {"eval": {"eval_schema": EvalConfig}}
