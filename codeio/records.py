"""Row types of every stage, with provenance ids.

Rows travel between stages as flat dicts stored in Hugging Face ``datasets``. Arrow needs one type per
column, so every field holding an arbitrary JSON value (kwargs, outputs, recorded pairs, metadata) is
stored as canonical JSON *text* in a field whose name ends in ``_json``.

Provenance: ``raw_id`` (raw file) -> ``function_id`` -> ``pair_id`` -> ``task_id``; responses and
verdicts of every turn live on the task row as parallel lists, so any final sample traces back to its
raw file, its pair and its turns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from codeio.jsontext import canonical_json


def stable_id(*parts: Any, length: int = 16) -> str:
    """Deterministic short id from any JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


class Row:
    """Mixin: conversion between dataclass rows and plain dicts."""

    def to_row(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_row(cls, row: dict[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass
class RawCode(Row):
    """Output of ``collect``: one source file or one pre-unified function."""

    raw_id: str
    source: str
    """Name of the corpus it came from (drives per-source settings such as pairs per function)."""
    content: str
    """The code text (for pre-unified rows: the reference code)."""
    path: str | None = None
    """Where it came from: file path, repo path or ``file:line``."""
    language: str = "python"
    meta_json: str = "{}"
    unified_json: str | None = None
    """For pre-unified corpora: the ``UnifiedFunction`` as JSON; transform then only validates it."""


@dataclass
class UnifiedFunction(Row):
    """The unified format (PAPER.md step 2) and the unified-function JSONL record (DESIGN.md)."""

    problem_description: str
    io_requirements: str
    refcode: str
    funcname: str = "main_solution"
    inputgen: str | None = None
    """Code defining ``input_generator()`` or ``generate_inputs(rng)``; None when absent."""
    ios: list[dict[str, Any]] = field(default_factory=list)
    """Recorded pairs ``[{"input": {...}, "output": ...}]``."""
    source: str = "unknown"
    meta: dict[str, Any] = field(default_factory=dict)

    def to_jsonl_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Function(Row):
    """Output of ``transform``: a validated, smoke-run unified function."""

    function_id: str
    raw_id: str
    source: str
    problem_description: str
    io_requirements: str
    refcode: str
    funcname: str = "main_solution"
    inputgen: str | None = None
    inputgen_entry: str | None = None
    """Name of the generator function (``input_generator`` / ``generate_inputs``)."""
    ios_json: str = "[]"
    meta_json: str = "{}"

    @staticmethod
    def make_id(refcode: str, funcname: str, inputgen: str | None) -> str:
        return stable_id("function", refcode, funcname, inputgen)


@dataclass
class IOPair(Row):
    """Output of ``sample``: one verified-deterministic input/output pair (function fields copied)."""

    pair_id: str
    function_id: str
    raw_id: str
    source: str
    problem_description: str
    io_requirements: str
    refcode: str
    funcname: str
    input_json: str
    """Canonical JSON of the kwargs dict."""
    output_json: str
    """Canonical JSON of the returned value."""
    pair_index: int = 0
    origin: str = "generated"
    """``generated`` (from the input generator) or ``recorded`` (from the corpus' own ``ios``)."""

    @staticmethod
    def make_id(function_id: str, input_json: str) -> str:
        return stable_id("pair", function_id, input_json)


TASK_KINDS = ("output", "input")
"""``output``: given the input, predict the output. ``input``: given the output, predict an input."""


@dataclass
class Task(Row):
    """Output of ``tasks``; extended in place by ``respond``, ``verify`` and ``revise``.

    The per-turn lists grow by one entry per turn: ``responses[i]`` is turn i+1's answer,
    ``statuses[i]`` its verdict and ``feedbacks[i]`` the feedback message written for it.
    """

    task_id: str
    pair_id: str
    function_id: str
    raw_id: str
    source: str
    kind: str
    prompt: str
    """The user message (already formatted)."""
    refcode: str
    funcname: str
    input_json: str
    output_json: str
    prompt_format: str = "query_code"
    system: str | None = None
    responses: list[str] = field(default_factory=list)
    finish_reasons: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    feedbacks: list[str] = field(default_factory=list)
    answers_json: list[str | None] = field(default_factory=list)
    """What the verifier extracted from each turn (JSON text), None when nothing was found."""
    model: str | None = None
    problem_description: str = ""
    """The pair's query, kept so ``assemble`` can show the student another prompt format (Table 3)."""
    io_requirements: str = ""
    """The pair's I/O description (same use)."""

    @staticmethod
    def make_id(pair_id: str, kind: str, prompt_format: str) -> str:
        return stable_id("task", pair_id, kind, prompt_format)


# Files the assemble stage writes beside its dataset (``stages/assemble/``) for the stages after it.
STAGE1_DATA_FILE = "train_stage1.jsonl"
"""What training stage 1 reads (``{"messages": [...]}`` rows); absent when there is no stage 1."""
STAGE2_DATA_FILE = "train_stage2.jsonl"
"""What training stage 2 reads; absent when there is no stage 2."""
HOLDOUT_FILE = "holdout.jsonl"
"""``Task`` rows of the held-out functions, scored by the evaluate stage (``codeio_holdout``)."""


# Verdict statuses (verify / revise). Kept distinct from the executor's call statuses.
SUCCESS = "success"
MISMATCH = "mismatch"
NO_ANSWER = "no_answer"
EXCEPTION = "exception"
TIMEOUT = "timeout"
MEMORY = "memory"
VERDICT_STATUSES = (SUCCESS, MISMATCH, NO_ANSWER, EXCEPTION, TIMEOUT, MEMORY)


def dumps(value: Any) -> str:
    """Canonical JSON text for ``*_json`` fields."""
    return canonical_json(value)
