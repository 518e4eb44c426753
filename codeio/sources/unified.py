"""Importer for unified-function JSONL: the paper's released raw schema, optionally with a generator.

Each line is one function: ``problem_description``, ``io_requirements``, ``refcode``, ``funcname``,
``ios`` (recorded pairs) plus the optional ``inputgen``, ``source``, ``meta`` and ``category``. Rows
come out already unified, so the transform stage only validates and smoke-runs them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from codeio.records import RawCode, UnifiedFunction, dumps, stable_id
from codeio.sources.base import Rejected, Source, expand_paths
from codeio.sources.config import UnifiedSourceConfig

REQUIRED_TEXT_FIELDS = ("problem_description", "io_requirements", "refcode")


def unified_from_record(record: Any, default_source: str) -> UnifiedFunction | Rejected:
    """Validate one decoded record of the unified schema; a ``Rejected`` says what is wrong."""
    if not isinstance(record, dict):
        return Rejected("not_an_object", type(record).__name__)
    for name in REQUIRED_TEXT_FIELDS:
        if name not in record or record[name] is None:
            return Rejected("missing_field", name)
        if not isinstance(record[name], str):
            return Rejected("wrong_type", f"{name} is {type(record[name]).__name__}, expected str")
        if not record[name].strip():
            return Rejected("empty_field", name)
    funcname = record.get("funcname") or "main_solution"
    if not isinstance(funcname, str) or not funcname.isidentifier():
        return Rejected("wrong_type", f"funcname={funcname!r} is not an identifier")
    inputgen = record.get("inputgen")
    if inputgen is not None and (not isinstance(inputgen, str)):
        return Rejected("wrong_type", f"inputgen is {type(inputgen).__name__}, expected str")
    if isinstance(inputgen, str) and not inputgen.strip():
        inputgen = None
    ios = record.get("ios") or []
    if not isinstance(ios, list):
        return Rejected("wrong_type", f"ios is {type(ios).__name__}, expected list")
    for i, pair in enumerate(ios):
        if not isinstance(pair, dict) or "input" not in pair or "output" not in pair:
            return Rejected("wrong_type", f"ios[{i}] is not {{'input': ..., 'output': ...}}")
        if not isinstance(pair["input"], dict):
            return Rejected("wrong_type", f"ios[{i}].input is {type(pair['input']).__name__}, expected dict")
    # Pairs holding NaN/inf (json.loads accepts them) cannot be checked later: drop them, note how many.
    strict = [pair for pair in ios if _strict(pair)]
    dropped_pairs = len(ios) - len(strict)
    ios = strict
    if inputgen is None and not ios:
        if dropped_pairs:
            return Rejected("not_json", f"all {dropped_pairs} recorded pairs hold NaN or infinity")
        return Rejected("no_inputs", "neither an input generator nor recorded ios")
    meta = record.get("meta") or {}
    if not isinstance(meta, dict):
        meta = {"meta": meta}
    if dropped_pairs:
        meta = {**meta, "ios_dropped_not_json": dropped_pairs}
    if record.get("category") is not None:
        meta = {**meta, "category": record["category"]}
    # The row's source is the configured corpus name (per-source settings key on it); a record's own
    # ``source`` tag is kept in meta.
    if record.get("source") not in (None, default_source):
        meta = {**meta, "source": record["source"]}
    source = default_source
    try:
        dumps(ios)
        dumps(meta)
    except (TypeError, ValueError) as exc:
        return Rejected("not_json", str(exc)[:200])
    return UnifiedFunction(
        problem_description=record["problem_description"],
        io_requirements=record["io_requirements"],
        refcode=record["refcode"],
        funcname=funcname,
        inputgen=inputgen,
        ios=ios,
        source=source,
        meta=meta,
    )


def _strict(value: Any) -> bool:
    try:
        dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def raw_row_from_unified(fn: UnifiedFunction, where: str) -> dict[str, Any]:
    """A ``RawCode`` row carrying a unified function (``unified_json`` set)."""
    unified = fn.to_jsonl_record()
    return RawCode(
        raw_id=stable_id("raw", fn.source, fn.refcode, fn.funcname, fn.inputgen),
        source=fn.source,
        content=fn.refcode,
        path=where,
        meta_json=dumps(fn.meta),
        unified_json=dumps(unified),
    ).to_row()


class UnifiedSource(Source):
    """Reads unified-function JSONL from a file, a directory or a glob (sorted, line order kept)."""

    unified = True

    def __init__(self, cfg: UnifiedSourceConfig) -> None:
        self.files = expand_paths(cfg.path)  # resolved now: a missing file fails at start-up
        self.name = cfg.name

    def iter_items(self) -> Iterator[dict[str, Any] | Rejected]:
        for file in self.files:
            with open(file, encoding="utf-8", errors="replace") as handle:
                for lineno, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    where = f"{file}:{lineno}"
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        yield Rejected("malformed_json", f"{where}: {exc}")
                        continue
                    fn = unified_from_record(record, self.name)
                    if isinstance(fn, Rejected):
                        yield Rejected(fn.reason, f"{where}: {fn.detail}")
                    else:
                        yield raw_row_from_unified(fn, where)
