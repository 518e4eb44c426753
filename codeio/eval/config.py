"""Config schemas of the ``evaluate`` stage (group ``eval``). Light module: no heavy imports.

``conf/eval/default.yaml`` (quickstart: the first CRUXEval-O tasks and the held-out CodeI/O tasks, scored
in minutes on a CPU) and ``conf/eval/paper.yaml`` (the 14 benchmarks of PAPER.md's Table 1, set up as the
paper evaluates them) select from these fields. Fields marked ``affects_output: False`` change how fast or
where generation runs, never the scores, and stay out of cache keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TABLE1_BENCHMARKS = (
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
    "bbh_zh",
    "zebralogic",
    "korbench",
    "livebench",
)
"""The 14 columns of PAPER.md's Table 1, in the paper's order (``bbh`` is the paper's BBH-EN)."""

BENCHMARKS = (*TABLE1_BENCHMARKS, "codeio_holdout")
"""Every benchmark name the evaluate stage knows, in the column order of the results table."""

LM_EVAL_BENCHMARKS = ("winogrande", "drop", "gsm8k", "math", "gpqa", "mmlu_stem", "bbh")
"""Benchmarks run through lm-evaluation-harness; every other one is generated and scored here."""

PROMPTED_BENCHMARKS = ("bbh_zh", "zebralogic", "korbench", "livebench")
"""Benchmarks with a module in ``codeio.eval.benchmarks`` (load, prompt, score)."""

FAST = {"affects_output": False}


def _check_limit(name: str, limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValueError(f"eval.{name}.limit must be >= 1 or null, got {limit}")


@dataclass
class GenerationConfig:
    """How a checkpoint generates answers for the benchmarks scored here (everything but lm-eval's)."""

    backend: str = field(default="auto", metadata=FAST)
    """``auto`` (vLLM when it is installed and a CUDA GPU is visible, else transformers), ``vllm`` or
    ``hf``. Both render the model's chat template and decode greedily at temperature 0."""
    device: str = field(default="auto", metadata=FAST)
    """``auto`` (``cuda`` when a GPU is visible, else ``cpu``), ``cpu`` or ``cuda[:N]`` (hf backend)."""
    dtype: str = "auto"
    """``auto`` = ``bfloat16`` on a GPU and ``float32`` on a CPU; or ``bfloat16``, ``float16``, ``float32``."""
    allow_cpu_large_model: bool = field(default=False, metadata=FAST)
    """Let a checkpoint whose weights exceed ``cpu_max_weights_gb`` generate on a CPU (hours per
    benchmark for a 7B model); without it such a run stops at start-up saying so."""
    cpu_max_weights_gb: float = field(default=2.0, metadata=FAST)
    """Largest weight files (GB on disk) allowed to generate on a CPU without ``allow_cpu_large_model``."""
    max_new_tokens: int = 512
    temperature: float = 0.0
    """0 = greedy (the paper's setting)."""
    top_p: float = 1.0
    samples: int = 1
    """Generations per prompt; pass@5 needs at least 5 (sampled, e.g. temperature 0.2)."""
    seed: int | None = 0
    batch_size: int | None = field(default=None, metadata=FAST)
    """Prompts per generate call: None = 8 for hf, 1024 for vLLM (which schedules them itself). Each
    finished batch is committed to the generation cache."""
    chat_template: str | None = None
    """A Jinja chat template (text or file) replacing the tokenizer's own (or standing in for a missing one)."""
    system: str | None = None
    """Optional system message put before every prompt."""
    cache: bool = field(default=True, metadata=FAST)
    """Keep every generation in a sqlite cache keyed by (checkpoint, benchmark, prompt, sampling), so a
    killed evaluation resumes and a rerun generates nothing new; the lm-eval benchmarks use the
    harness's request cache under ``<cache_dir>/lm_eval/`` for the same purpose."""
    cache_dir: str | None = field(default=None, metadata=FAST)
    """Where that cache lives; None = ``<cache.dir>/eval`` in a pipeline run, no cache elsewhere."""
    tensor_parallel_size: int = field(default=1, metadata=FAST)
    """vLLM: GPUs one model is split over."""
    gpu_memory_utilization: float = field(default=0.9, metadata=FAST)
    """vLLM: share of GPU memory the engine may take."""
    max_model_len: int | None = field(default=None, metadata=FAST)
    """vLLM: context length to allocate for (None = the model's own)."""

    def __post_init__(self) -> None:
        if self.backend not in ("auto", "vllm", "hf"):
            raise ValueError(f"eval.generation.backend must be auto, vllm or hf, got {self.backend!r}")
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"eval.generation.dtype must be auto, float32, bfloat16 or float16, got {self.dtype!r}")
        if self.max_new_tokens < 1:
            raise ValueError(f"eval.generation.max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"eval.generation.temperature must be >= 0, got {self.temperature}")
        if self.samples < 1:
            raise ValueError(f"eval.generation.samples must be >= 1, got {self.samples}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"eval.generation.batch_size must be >= 1 or null, got {self.batch_size}")


@dataclass
class CruxEvalConfig:
    """CRUXEval-I and -O (both read the same data file)."""

    data_path: str = "../shared/data/cruxeval/cruxeval.jsonl"
    """A cruxeval.jsonl (code, input, output, id) or a ``datasets`` dir saved with ``save_to_disk``."""
    limit: int | None = None
    """Evaluate only the first N tasks (None = all 800)."""
    prompt_style: str = "direct"
    """``direct`` (answer only) or ``cot`` (reason step by step, then answer)."""
    shots: int = 0
    """Worked examples before the question: 0 (zero-shot, as the paper evaluates) or 1."""
    timeout: float = field(default=3.0, metadata=FAST)
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
        if self.shots not in (0, 1):
            raise ValueError(f"eval.cruxeval.shots must be 0 or 1, got {self.shots}")
        if self.check not in ("official", "execute"):
            raise ValueError(f"eval.cruxeval.check must be official or execute, got {self.check!r}")
        if not self.timeout > 0:
            raise ValueError(f"eval.cruxeval.timeout must be > 0, got {self.timeout}")
        _check_limit("cruxeval", self.limit)


@dataclass
class LeetCodeOConfig:
    """LeetCode-O (published format: one JSON line per test case with ``messages``; see leetcode_o.py)."""

    data_path: str | None = None
    """leetcode.jsonl (to generate) or a predictions file that already has ``output`` per line."""
    limit: int | None = None
    """Keep only the first N problems (all their rows, both languages)."""
    use_existing_outputs: bool = False
    """Score the ``output`` field already in the file instead of generating."""


BBH_ZH_TASKS = (
    "boolean_expressions",
    "date_understanding",
    "logical_deduction_five_objects",
    "navigate",
    "object_counting",
    "reasoning_about_colored_objects",
    "temporal_sequences",
    "tracking_shuffled_objects_five_objects",
    "web_of_lies",
)
"""The 9 BBH tasks the paper translated into Chinese (its Appendix B)."""


@dataclass
class BbhZhConfig:
    """BBH-ZH: the paper's Chinese translation of 9 BBH tasks, in BBH's published file layout."""

    data_path: str | None = None
    """Folder with ``<task>.json`` (``{"examples": [{"input", "target"}]}``) and ``cot-prompts/<task>.txt``."""
    tasks: list[str] = field(default_factory=lambda: list(BBH_ZH_TASKS))
    """Tasks to run (default: the 9 the paper translated)."""
    num_fewshot: int = 3
    """Worked examples taken from each task's prompt file (the paper: 3, like BBH)."""
    limit: int | None = None
    """First N examples per task."""

    def __post_init__(self) -> None:
        if self.num_fewshot < 0:
            raise ValueError(f"eval.bbh_zh.num_fewshot must be >= 0, got {self.num_fewshot}")
        _check_limit("bbh_zh", self.limit)




@dataclass
class ZebraLogicConfig:
    """ZebraLogic grid puzzles (``allenai/ZebraLogicBench`` grid_mode layout)."""

    data_path: str | None = None
    """JSONL / JSON / parquet / ``datasets`` dir of grid_mode rows (id, size, puzzle, solution)."""
    solutions_path: str | None = None
    """Optional second file with the true ``solution`` per ``id`` (the public copy hides them; the
    private ``ZebraLogicBench-private`` copy has them)."""
    metric: str = "puzzle_acc"
    """Number shown in the table: ``puzzle_acc`` (all cells right) or ``cell_acc``."""
    prompt_file: str | None = None
    """A prompt template file with ``{puzzle}`` and ``{json_template}`` placeholders (e.g. ZeroEval's own
    text); None = ours (same layout: one worked example, the puzzle, the JSON template)."""
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.metric not in ("puzzle_acc", "cell_acc"):
            raise ValueError(f"eval.zebralogic.metric must be puzzle_acc or cell_acc, got {self.metric!r}")
        _check_limit("zebralogic", self.limit)


KORBENCH_CATEGORIES = ("operation", "logic", "cipher", "puzzle", "counterfactual")


@dataclass
class KorBenchConfig:
    """KOR-Bench, single-question zero-shot mode, its five categories."""

    data_path: str | None = None
    """Folder with ``<category>/rule.jsonl`` and ``<category>/sample.jsonl`` (the benchmark's layout)."""
    categories: list[str] = field(default_factory=lambda: list(KORBENCH_CATEGORIES))
    prompt_file: str | None = None
    """A YAML file with one ``<category>_prompt_format: [template]`` per category, each with two ``{}``
    (rule, question), as KOR-Bench's own ``config/prompt/zero-shot.yaml``; None = ours (same content)."""
    limit: int | None = None
    """First N questions per category."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.categories) - set(KORBENCH_CATEGORIES))
        if unknown:
            raise ValueError(f"eval.korbench.categories: unknown {unknown}; known: {list(KORBENCH_CATEGORIES)}")
        _check_limit("korbench", self.limit)


LIVEBENCH_CATEGORIES = ("reasoning", "math", "data_analysis", "language")
"""The LiveBench categories the paper scored (its 2406-2407 split without coding and instruction following)."""


@dataclass
class LiveBenchConfig:
    """LiveBench, the categories and release the paper used, each task with its own grader."""

    data_path: str | None = None
    """Folder with ``<category>/question.jsonl`` (or ``<category>`` datasets / parquet copies)."""
    categories: list[str] = field(default_factory=lambda: list(LIVEBENCH_CATEGORIES))
    release: str = "2024-07-26"
    """Questions live at this release: released on or before it and not removed by it."""
    limit: int | None = None
    """First N questions per task."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.categories) - set(LIVEBENCH_CATEGORIES))
        if unknown:
            raise ValueError(f"eval.livebench.categories: unknown {unknown}; graded here: {list(LIVEBENCH_CATEGORIES)}")
        _check_limit("livebench", self.limit)


@dataclass
class HoldoutConfig:
    """The held-out CodeI/O tasks (split by function upstream) scored by the verifier."""

    limit: int | None = None
    """Score only the first N held-out tasks."""
    timeout: float = field(default=5.0, metadata=FAST)
    """Seconds per input-prediction check."""


@dataclass
class LmEvalConfig:
    """General benchmarks through EleutherAI lm-evaluation-harness (``pip install -e ".[eval]"``)."""

    backend: str = field(default="auto", metadata=FAST)
    """``auto`` (the harness's ``vllm`` model when vLLM is installed and a GPU is visible, else ``hf``),
    ``hf`` (transformers) or ``vllm``."""
    tasks: dict[str, str] = field(default_factory=dict)
    """Benchmark -> lm-eval task/group name; empty = ``lm_eval_bridge.DEFAULT_TASKS`` for the chosen
    ``multiple_choice`` mode."""
    multiple_choice: str = "generate"
    """WinoGrande, MMLU-STEM and GPQA: ``generate`` (greedy generation and answer extraction, as the
    paper evaluates) or ``loglikelihood`` (the harness's classic choice scoring)."""
    num_fewshot: dict[str, int] = field(default_factory=dict)
    """Benchmark -> shots; unset benchmarks use ``lm_eval_bridge.DEFAULT_FEWSHOT`` (0, BBH 3)."""
    dataset_paths: dict[str, str] = field(default_factory=dict)
    """Benchmark -> local dataset path (replaces every sub-task's ``dataset_path``: a local copy of the
    hub dataset repository)."""
    include_path: str | None = None
    """Extra folder of lm-eval task YAMLs."""
    limit: float | None = None
    """Examples per task (int) or fraction (< 1); None = all."""
    batch_size: int = field(default=1, metadata=FAST)
    device: str = field(default="auto", metadata=FAST)
    """``auto`` = ``cuda`` when a GPU is visible, else ``cpu``."""
    model_args: dict[str, str] = field(default_factory=dict)
    """Extra ``model_args`` for the backend (e.g. ``dtype``, ``tensor_parallel_size``); ``dtype``
    defaults to bfloat16 on a GPU."""
    apply_chat_template: bool = True
    """Render prompts with the checkpoint's chat template (the paper evaluates its chat-tuned models
    through it); false = plain text prompts (the harness default)."""
    fewshot_as_multiturn: bool = True
    """With the chat template: few-shot examples as earlier user/assistant turns (BBH's 3 shots)."""
    max_gen_toks: int | None = None
    """Override the generation length of generative tasks (None = each task's own)."""

    def __post_init__(self) -> None:
        if self.backend not in ("auto", "hf", "vllm"):
            raise ValueError(f"eval.lm_eval.backend must be auto, hf or vllm, got {self.backend!r}")
        if self.multiple_choice not in ("generate", "loglikelihood"):
            raise ValueError(f"eval.lm_eval.multiple_choice must be generate or loglikelihood, "
                             f"got {self.multiple_choice!r}")


@dataclass
class EvalConfig:
    """The ``evaluate`` stage: which benchmarks, on which data, with which generation settings."""

    _target_: str = "codeio.eval.runner.Evaluator"
    benchmarks: list[str] = field(default_factory=lambda: ["cruxeval_o", "codeio_holdout"])
    """Benchmarks to run (columns of the results table), from ``config.BENCHMARKS``."""
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    cruxeval: CruxEvalConfig = field(default_factory=CruxEvalConfig)
    leetcode_o: LeetCodeOConfig = field(default_factory=LeetCodeOConfig)
    bbh_zh: BbhZhConfig = field(default_factory=BbhZhConfig)
    zebralogic: ZebraLogicConfig = field(default_factory=ZebraLogicConfig)
    korbench: KorBenchConfig = field(default_factory=KorBenchConfig)
    livebench: LiveBenchConfig = field(default_factory=LiveBenchConfig)
    holdout: HoldoutConfig = field(default_factory=HoldoutConfig)
    lm_eval: LmEvalConfig = field(default_factory=LmEvalConfig)
    cruxeval_metric: str = "pass@1"
    """Which CRUXEval number goes into the table (``pass@1`` or ``pass@5``)."""
    paper_row: str | None = None
    """Table 1 row shown beside ours, ``<model name>/<row>`` (e.g. ``qwen2.5-coder-7b/codeio``; rows in
    ``codeio.eval.paper_table1``); the paper preset derives it from ``model.name`` and the experiment's
    ``name``. None or an unknown key = no paper row."""

    def __post_init__(self) -> None:
        unknown = [b for b in self.benchmarks if b not in BENCHMARKS]
        if unknown:
            raise ValueError(f"eval.benchmarks: unknown {unknown}; known: {list(BENCHMARKS)}")
        if self.cruxeval_metric not in ("pass@1", "pass@5"):
            raise ValueError(f"eval.cruxeval_metric must be pass@1 or pass@5, got {self.cruxeval_metric!r}")

    def check_data_paths(self) -> None:
        """Raise one ``ValueError`` naming every ``eval.<benchmark>.data_path`` that a configured
        benchmark needs and that is unset (run at start-up, before any stage)."""
        needs = {"leetcode_o": self.leetcode_o.data_path, "bbh_zh": self.bbh_zh.data_path,
                 "zebralogic": self.zebralogic.data_path, "korbench": self.korbench.data_path,
                 "livebench": self.livebench.data_path}
        missing = [f"eval.{b}.data_path" for b, path in needs.items() if b in self.benchmarks and not path]
        if missing:
            raise ValueError(f"{', '.join(missing)} not set: point each at a local copy of the benchmark "
                             "(docs/evaluation.md), or drop the benchmark from eval.benchmarks")


SCHEMAS = {"eval": {"eval_schema": EvalConfig}}
