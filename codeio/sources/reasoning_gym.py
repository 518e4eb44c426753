"""Importer for the reasoning-gym CodeI/O files (unified functions with ``generate_inputs(rng)``).

The files are gzipped JSON: either one JSON array (``codeio-hq.json.gz``) or one object per line
(``codeio.json.gz``); both are read. Each object has ``task_description``, ``input_output_spec``,
``code_sample`` (defines ``main_solution``) and ``input_generator`` (defines
``generate_inputs(rng: Random) -> dict`` with the name ``Random`` expected in scope).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeio.sources.base import Rejected, Source, expand_paths
from codeio.sources.config import ReasoningGymSourceConfig
from codeio.sources.unified import raw_row_from_unified, unified_from_record

QUALITY_FIELDS = ("unique_inputs", "unique_outputs", "total_generations", "clarity", "practice",
                  "educational", "safety", "difficulty")
GENERATOR_PRELUDE = "from random import Random\n\n"
"""The upstream generators annotate ``rng: Random`` without importing it."""


def default_reasoning_gym_files() -> list[Path]:
    """The data files shipped inside an installed ``reasoning_gym`` package."""
    try:
        import reasoning_gym  # noqa: F401 - optional extra
    except ImportError as exc:
        raise ValueError(
            "source=reasoning_gym needs source.path=FILE (e.g. ../shared/data/reasoning_gym/codeio.json.gz) "
            'or the reasoning-gym package: pip install -e ".[reasoning-gym]"'
        ) from exc
    data_dir = Path(reasoning_gym.__file__).parent / "data"
    files = sorted(data_dir.glob("codeio*.json*"))
    if not files:
        raise ValueError(f"no codeio*.json* data file inside the installed reasoning_gym package ({data_dir})")
    return files


def read_records(file: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(where, record)``; a record that cannot be decoded is yielded as a ``Rejected``."""
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield str(file), Rejected("malformed_json", f"{file}: {exc}")
            return
        for i, record in enumerate(records):
            yield f"{file}#{i}", record
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"{file}:{lineno}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{file}:{lineno}", Rejected("malformed_json", f"{file}:{lineno}: {exc}")


def unified_record(record: Any) -> Any:
    """Map the reasoning-gym field names onto the unified schema (non-dicts pass through)."""
    if not isinstance(record, dict):
        return record
    inputgen = record.get("input_generator")
    if isinstance(inputgen, str) and inputgen.strip():
        inputgen = GENERATOR_PRELUDE + inputgen
    return {
        "problem_description": record.get("task_description"),
        "io_requirements": record.get("input_output_spec"),
        "refcode": record.get("code_sample"),
        "funcname": "main_solution",
        "inputgen": inputgen,
        "ios": [],
        "meta": {k: record[k] for k in QUALITY_FIELDS if k in record},
    }


class ReasoningGymSource(Source):
    """Reads reasoning-gym CodeI/O data; ``path=None`` uses the installed package's copies."""

    unified = True

    def __init__(self, cfg: ReasoningGymSourceConfig) -> None:
        self.name = cfg.name
        # Resolve now so a missing file or package fails at start-up, not mid-run.
        self.files = expand_paths(cfg.path) if cfg.path else default_reasoning_gym_files()

    def iter_items(self) -> Iterator[dict[str, Any] | Rejected]:
        for file in self.files:
            for where, record in read_records(file):
                if isinstance(record, Rejected):
                    yield record
                    continue
                fn = unified_from_record(unified_record(record), self.name)
                if isinstance(fn, Rejected):
                    yield Rejected(fn.reason, f"{where}: {fn.detail}")
                elif not fn.inputgen:
                    yield Rejected("no_generator", where)
                else:
                    yield raw_row_from_unified(fn, where)
