"""Results tables laid out as PAPER.md's Table 1: one row per checkpoint, the 14 benchmark columns in the
paper's order, then the average; the paper's row for the same base model goes underneath when known.

A table is stored twice beside each other: ``results.json`` (machine-readable, what the aggregator
merges) and ``results.md`` (Markdown). Scores are percentages. A benchmark a row has no score for is
shown as ``-``; the average covers the Table 1 benchmarks the row has (the JSON lists them in
``average_over``), and the Markdown marks an average over fewer than 14 as ``AVG of n``. Benchmarks
outside Table 1 (the CodeI/O hold-out) get a second, small table and never enter the average.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeio.eval.config import BENCHMARKS, TABLE1_BENCHMARKS

DISPLAY_NAMES = {
    "winogrande": "WinoGrande",
    "drop": "DROP",
    "gsm8k": "GSM8K",
    "math": "MATH",
    "gpqa": "GPQA",
    "mmlu_stem": "MMLU-STEM",
    "leetcode_o": "LC-O",
    "cruxeval_i": "CRUX-I",
    "cruxeval_o": "CRUX-O",
    "bbh": "BBH-EN",
    "bbh_zh": "BBH-ZH",
    "zebralogic": "ZebraLogic",
    "korbench": "KorBench",
    "livebench": "LiveBench",
    "codeio_holdout": "CodeI/O-holdout",
}

TABLE_VERSION = 2


def order_benchmarks(names: Sequence[str]) -> list[str]:
    """Known benchmarks in Table 1 order, then unknown ones alphabetically."""
    known = [b for b in BENCHMARKS if b in names]
    return known + sorted(set(names) - set(known))


def table1_average(scores: dict[str, float | None]) -> tuple[float | None, list[str]]:
    """Mean of the Table 1 benchmarks that have a score, and which ones those are."""
    present = [b for b in TABLE1_BENCHMARKS if scores.get(b) is not None]
    if not present:
        return None, []
    return sum(float(scores[b]) for b in present) / len(present), present


def make_row(checkpoint: str, scores: dict[str, float | None], **extra: Any) -> dict[str, Any]:
    """One table row; ``average`` is the mean of its Table 1 scores (``average_over`` lists them)."""
    average, over = table1_average(scores)
    return {"checkpoint": checkpoint, "scores": dict(scores), "average": average, "average_over": over,
            **extra}


def make_table(rows: Sequence[dict[str, Any]], benchmarks: Sequence[str] | None = None,
               paper_rows: Sequence[dict[str, Any]] = (), **meta: Any) -> dict:
    names = list(benchmarks) if benchmarks else sorted({b for r in rows for b in r["scores"]})
    return {"version": TABLE_VERSION, "benchmarks": order_benchmarks(names), "rows": list(rows),
            "paper_rows": list(paper_rows), **meta}


def _cell(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}"


def _average_cell(row: dict[str, Any]) -> str:
    over = row.get("average_over")
    cell = _cell(row.get("average"))
    if row.get("average") is not None and over is not None and len(over) < len(TABLE1_BENCHMARKS):
        cell += f" (of {len(over)})"
    return cell


def _grid(header: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


def to_markdown(table: dict[str, Any], label_column: str = "checkpoint") -> str:
    """Table 1 (all 14 columns, ``-`` where not run, then AVG; paper rows last) and, when the table
    has benchmarks outside Table 1, a second table with those."""
    header = [label_column] + [DISPLAY_NAMES[b] for b in TABLE1_BENCHMARKS] + ["AVG"]
    lines = []
    for row in table["rows"]:
        label = str(row.get("label") or row["checkpoint"])
        lines.append([label] + [_cell(row["scores"].get(b)) for b in TABLE1_BENCHMARKS] + [_average_cell(row)])
    for paper in table.get("paper_rows") or []:
        lines.append([paper["label"]] + [_cell(paper["scores"].get(b)) for b in TABLE1_BENCHMARKS]
                     + [_cell(paper.get("average"))])
    out = _grid(header, lines)
    extras = [b for b in table["benchmarks"] if b not in TABLE1_BENCHMARKS]
    if extras:
        out += ["", "Outside Table 1 (not in the average):", ""]
        out += _grid([label_column] + [DISPLAY_NAMES.get(b, b) for b in extras],
                     [[str(r.get("label") or r["checkpoint"])] + [_cell(r["scores"].get(b)) for b in extras]
                      for r in table["rows"]])
    return "\n".join(out) + "\n"


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
