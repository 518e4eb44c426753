"""Results tables: one row per checkpoint, one column per benchmark plus the average (PAPER.md Table 1).

A table is stored twice beside each other: ``results.json`` (machine-readable, what the aggregator
merges) and ``results.md`` (Markdown). Scores are percentages; a benchmark a row has no score for is
shown as ``-`` and left out of that row's average (the JSON says which benchmarks the average covers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeio.eval.config import BENCHMARKS

DISPLAY_NAMES = {
    "winogrande": "WinoGrande",
    "drop": "DROP",
    "gsm8k": "GSM8K",
    "math": "MATH",
    "gpqa": "GPQA",
    "mmlu_stem": "MMLU-STEM",
    "leetcode_o": "LeetCode-O",
    "cruxeval_i": "CRUXEval-I",
    "cruxeval_o": "CRUXEval-O",
    "bbh": "BBH",
    "codeio_holdout": "CodeI/O-holdout",
}

TABLE_VERSION = 1


def order_benchmarks(names: Sequence[str]) -> list[str]:
    """Known benchmarks in Table 1 order, then unknown ones alphabetically."""
    known = [b for b in BENCHMARKS if b in names]
    return known + sorted(set(names) - set(known))


def make_row(checkpoint: str, scores: dict[str, float | None], **extra: Any) -> dict[str, Any]:
    """One table row; ``average`` is the mean of the scores that exist."""
    present = {k: float(v) for k, v in scores.items() if v is not None}
    average = sum(present.values()) / len(present) if present else None
    return {"checkpoint": checkpoint, "scores": dict(scores), "average": average,
            "average_over": sorted(present), **extra}


def make_table(rows: Sequence[dict[str, Any]], benchmarks: Sequence[str] | None = None, **meta: Any) -> dict:
    names = list(benchmarks) if benchmarks else sorted({b for r in rows for b in r["scores"]})
    return {"version": TABLE_VERSION, "benchmarks": order_benchmarks(names), "rows": list(rows), **meta}


def _cell(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}"


def to_markdown(table: dict[str, Any], label_column: str = "checkpoint") -> str:
    benches = table["benchmarks"]
    header = [label_column] + [DISPLAY_NAMES.get(b, b) for b in benches] + ["Avg"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in table["rows"]:
        cells = [str(row.get("label") or row["checkpoint"])]
        cells += [_cell(row["scores"].get(b)) for b in benches]
        cells.append(_cell(row.get("average")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table(
    table: dict[str, Any], out_dir: str | Path, stem: str = "results", label_column: str = "checkpoint"
) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` into ``out_dir``; returns both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(table, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(table, label_column), encoding="utf-8")
    return json_path, md_path


def read_table(path: str | Path) -> dict[str, Any] | None:
    """A results.json written by ``write_table``, or None when the file is not one (never raises)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list) or "benchmarks" not in data:
        return None
    return data
