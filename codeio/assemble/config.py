"""Config of the ``assemble`` stage (group ``dataset``): which samples to keep, in which shape, and checks.

Light module: no heavy imports. ``codeio.schema.build(cfg)`` builds the
``codeio.assemble.assembler.Assembler`` that ``_target_`` names from a ``DatasetConfig``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KEEP_POLICIES = ("all", "drop_wrong", "replace_wrong")
TASK_TYPES = ("both", "input", "output")
CHAT_FORMATS = ("single", "multiturn")
STAGE2_MIXES = ("none", "instruction_only", "concat", "ratio", "subset")
STAGE1_MIXES = ("codeio", "concat", "none")
DECONTAM_SCOPES = ("prompt", "all")
DEDUP_KEYS = ("prompt_answer", "prompt")
STUDENT_FORMATS = ("teacher", "query_code", "query_only", "code_only", "query_to_code_cot", "query_to_code")


def default_benchmarks() -> dict[str, str]:
    # In the external data folder ($CODEIO_SHARED_DATA, else ../shared/data beside the repository:
    # codeio.shared_data); a missing file is reported in the statistics, never fatal.
    return {"cruxeval": "${codeio.shared_data:cruxeval/cruxeval.jsonl}"}


@dataclass
class LinkingPhrases:
    """Short sentences that stitch the turns into one response (PAPER.md step 8, our own wording)."""

    check: str = "Let me check whether this answer holds up."
    """Written before each turn's feedback."""
    wrong: str = "Hmm, that is not right. Let me go through it again more carefully."
    """Written after the feedback of a wrong turn that is followed by another attempt."""
    correct: str = "Good, the answer is confirmed."
    """Written after the feedback of a correct turn."""
    gave_up: str = ""
    """Written after the feedback of a last turn that is still wrong ('' = nothing)."""
    correct_feedback: str = "The answer is correct."
    """Feedback used for a correct turn whose verifier left no message (and for replaced answers)."""
    wrong_feedback: str = "The answer is not correct."
    """Feedback used for a wrong turn whose verifier left no message."""


@dataclass
class DatasetConfig:
    """How verified, revised tasks become training samples (PAPER.md steps 7-8, Tables 2 and 4)."""

    _target_: str = "codeio.assemble.assembler.Assembler"

    # -- what to keep -------------------------------------------------------------------------------
    keep: str = "all"
    """``all``: every task with every turn, right or wrong (the paper's choice, Table 2 'full');
    ``drop_wrong``: rejection sampling, only tasks answered correctly at some turn, cut after that turn;
    ``replace_wrong``: a task never answered correctly becomes one turn holding only the true answer as
    JSON (no reasoning); tasks answered correctly keep their turns."""
    task_types: str = "both"
    """``both``, ``input`` (input prediction only) or ``output`` (output prediction only)."""
    drop_truncated: bool = True
    """Drop a task whose kept turns include a response cut at the teacher's ``max_tokens``
    (``truncated_response``): the paper never trains on one. Revision retries such turns (the verifier
    never accepts a truncated answer), so a task revised into a complete answer under ``drop_wrong``
    keeps only complete turns."""
    drop_unrevised: bool = True
    """With revision on: drop a task whose last turn is wrong but whose revision call failed for good
    (``revision_failed``); the released data never holds a wrong answer without its revision."""
    record_provenance: bool = False
    """``codeio.jsonl`` holds exactly the released record (``prompt``, ``turn_k``, ``feedback_k``);
    provenance (task and function ids, status, model, ...) goes to ``codeio_provenance.jsonl``, line by
    line. True: provenance columns inline in ``codeio.jsonl`` as well."""
    max_samples: int | None = None
    """Keep at most this many training samples (seeded random choice, applied last); null = no cap."""
    fraction: float | None = None
    """Keep this share of the training samples (seeded, applied last; Table 2 '50% subset' = 0.5)."""
    seed: int = 0
    """Seed of subsampling, the holdout split and the stage-2 shuffle."""

    # -- sample shape -------------------------------------------------------------------------------
    student_format: str = "teacher"
    """What the student sees (PAPER.md Table 3), made from the one set of teacher responses: ``teacher`` =
    the prompt and responses as generated; a prompt format name re-renders the prompt with that format
    and arranges the response as its Table 3 row does: ``query_code``, ``query_only``, ``code_only``
    (reasoning), ``query_to_code_cot`` (reference code, then the reasoning), ``query_to_code`` (reference
    code, then the true answer; no reasoning). No teacher request changes (codeio/assemble/student.py)."""
    chat_format: str = "single"
    """Which chat form goes to ``messages`` / ``train.jsonl``: ``single`` = [user prompt, one assistant
    response joining the turns with linking phrases]; ``multiturn`` = user / assistant / user (feedback) /
    assistant ... for loss on each turn. Both forms are always stored as extra columns."""
    linking: LinkingPhrases = field(default_factory=LinkingPhrases)
    """Phrases used by the ``single`` form when a task has feedback turns (revision.turns >= 1)."""
    multiturn_followup: str = ""
    """Text added after the feedback in the user turns of the ``multiturn`` form ('' = feedback only)."""
    true_answer_template: str = "```json\n{answer}\n```"
    """How ``replace_wrong`` writes the true answer; ``{answer}`` is e.g. ``{"output": 3}``."""

    # -- splits and checks --------------------------------------------------------------------------
    holdout_fraction: float = 0.0
    """Share of *functions* held out for evaluation (all tasks of a function go to one side); their Task
    rows are written to ``holdout.jsonl`` and kept out of training."""
    dedup_exact: bool = True
    """Drop tasks equal to an earlier one after whitespace normalisation (what "equal" means:
    ``dedup_key``)."""
    dedup_key: str = "prompt_answer"
    """What two tasks must share to be exact duplicates. ``prompt_answer`` (the paper keeps every task
    of a function): the prompt and the reference answer, so input-prediction tasks of one function whose
    pairs share an output (identical prompts, different inputs) all stay; ``prompt``: the prompt alone
    (drops 16-29% of input-prediction tasks on the paper's demo functions, see docs/fidelity.md)."""
    dedup_near: bool = True
    """Drop tasks whose prompt is a near duplicate of an earlier one: estimated Jaccard similarity of
    their word ``near_dup_ngram``-gram sets (MinHash, ``near_dup_perm`` permutations, LSH bands) at least
    ``near_dup_threshold``."""
    near_dup_threshold: float = 0.85
    """Estimated Jaccard similarity at or above which two prompts are near duplicates."""
    near_dup_ngram: int = 5
    """Word n-gram size of the near-duplicate check."""
    near_dup_perm: int = 64
    """MinHash permutations (more: a finer estimate, slower)."""
    near_dup_within_function: bool = False
    """Also compare tasks of the same function. Off by default: tasks of one function share the query and
    code and differ only in the given value, so they are near duplicates by construction."""
    decontam_benchmarks: dict[str, str] = field(default_factory=default_benchmarks)
    """Benchmark name -> file (JSONL, JSON array, or a ``datasets`` directory); every string field of a
    benchmark item contributes n-grams."""
    decontam_ngram: int = 13
    """Overlap unit (PAPER.md: 13-grams of lower-cased word tokens)."""
    decontam_scope: str = "all"
    """Text checked per task: ``prompt`` or ``all`` (prompt and every turn's response)."""
    decontam_drop: bool = False
    """Drop overlapping samples (counted as ``contaminated:<benchmark>``); false = only report."""

    # -- stage 2 ------------------------------------------------------------------------------------
    instruction_data: str | None = None
    """Instruction-tuning set for stage 2: a JSONL file or a ``datasets`` directory with ``messages``."""
    stage1_mix: str = "codeio"
    """What training stage 1 sees (PAPER.md Table 4, left column): ``codeio`` = the CodeI/O samples;
    ``concat`` = CodeI/O samples + all instruction data ('CodeI/O+IT'); ``none`` = no stage 1 ('-')."""
    stage2_mix: str = "none"
    """``none`` = no stage 2; ``instruction_only`` = the instruction data alone (the paper's main
    setting 'CodeI/O / IT'); ``concat`` = all CodeI/O samples + all instruction data; ``ratio`` = CodeI/O samples make
    up ``codeio_fraction`` of the mix; ``subset`` = a ``codeio_fraction`` share of the CodeI/O samples +
    all instruction data (Table 4 'CodeI/O(10%)+IT')."""
    codeio_fraction: float = 0.1
    """CodeI/O share used by ``stage2_mix`` ``ratio`` and ``subset`` (Table 4: 10%)."""

    # -- statistics ---------------------------------------------------------------------------------
    tokenizer: str | None = None
    """Local tokenizer directory for token-length statistics; null = a regex word/punctuation splitter
    (the plot label says which one was used)."""
    plots: bool = True
    """Write ``plots/*.png`` (correct rate per turn, pairs per function, token lengths, rejections)."""

    def __post_init__(self) -> None:
        for name, value, choices in (("keep", self.keep, KEEP_POLICIES),
                                     ("task_types", self.task_types, TASK_TYPES),
                                     ("chat_format", self.chat_format, CHAT_FORMATS),
                                     ("stage2_mix", self.stage2_mix, STAGE2_MIXES),
                                     ("stage1_mix", self.stage1_mix, STAGE1_MIXES),
                                     ("decontam_scope", self.decontam_scope, DECONTAM_SCOPES),
                                     ("dedup_key", self.dedup_key, DEDUP_KEYS),
                                     ("student_format", self.student_format, STUDENT_FORMATS)):
            if value not in choices:
                raise ValueError(f"dataset.{name}={value!r} is not one of {list(choices)}")
        if self.max_samples is not None and self.max_samples < 0:
            raise ValueError(f"dataset.max_samples must be >= 0 or null, got {self.max_samples}")
        for name in ("fraction", "holdout_fraction", "codeio_fraction"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ValueError(f"dataset.{name} must be within [0, 1], got {value}")
        if self.stage2_mix == "ratio" and self.codeio_fraction >= 1.0:
            raise ValueError("dataset.codeio_fraction must be < 1 with stage2_mix=ratio")
        if self.stage2_mix != "none" and not self.instruction_data:
            raise ValueError(f"dataset.stage2_mix={self.stage2_mix!r} needs dataset.instruction_data")
        if self.stage1_mix == "concat" and not self.instruction_data:
            raise ValueError("dataset.stage1_mix='concat' needs dataset.instruction_data")
        if self.stage1_mix == "none" and self.stage2_mix == "none":
            raise ValueError("dataset.stage1_mix='none' with dataset.stage2_mix='none' leaves nothing to train")
        if not 0.0 < self.near_dup_threshold <= 1.0:
            raise ValueError(f"dataset.near_dup_threshold must be in (0, 1], got {self.near_dup_threshold}")
        if self.near_dup_ngram < 1 or self.decontam_ngram < 1:
            raise ValueError("dataset.near_dup_ngram and dataset.decontam_ngram must be >= 1")
        if self.near_dup_perm < 8:
            raise ValueError(f"dataset.near_dup_perm must be >= 8, got {self.near_dup_perm}")


SCHEMAS = {"dataset": {"default_schema": DatasetConfig}}
