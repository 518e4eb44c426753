"""The end-of-run report printed from ``summary.json`` (and saved as ``report.md`` in the run dir)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def format_summary(summary: dict[str, Any],
                   artifacts: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> str:
    """The report text. ``artifacts``: per stage, ``(label, path under stages/<stage>/)`` of the files
    users look for (each stage's ``Stage.artifacts``); those that exist are listed with their path."""
    stages = summary.get("stages", {})
    parts = [_counts_table(stages)]
    correct = _correct_rates(stages)
    if correct:
        parts.append("correct rate by turn (cumulative):\n" + correct)
    training = _training(stages.get("train"))
    if training:
        parts.append("training loss:\n" + training)
    scores = _scores(stages.get("evaluate"))
    if scores:
        parts.append("evaluation:\n" + scores)
    run_dir = Path(summary.get("run_dir", "."))
    where = [f"run directory: {run_dir}", "  summary.json, report.md and stages/<stage>/ (datasets.load_from_disk)"]
    for stage, items in (artifacts or {}).items():
        for label, rel in items:
            path = run_dir / "stages" / stage / rel
            if path.exists():
                where.append(f"  {label}: {path}")
    parts.append("\n".join(where))
    return "\n\n".join(parts)


def _counts_table(stages: dict[str, Any]) -> str:
    header = ("stage", "cache", "rows in", "rows out", "rejected", "seconds", "top rejection reasons")
    lines = []
    for name, rep in stages.items():
        rejected = rep.get("rejected") or {}
        top = sorted(rejected.items(), key=lambda kv: -kv[1])[:3]
        lines.append((
            name,
            rep.get("cache", "") if rep.get("status", "done") == "done" else rep.get("status", ""),
            _num(rep.get("rows_in")),
            _num(rep.get("rows_out")),
            _num(sum(rejected.values())),
            f"{rep.get('seconds', 0):.1f}",
            ", ".join(f"{k}={v}" for k, v in top),
        ))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    return "\n".join(line.rstrip() for line in out + [fmt.format(*row) for row in lines])


def _correct_rates(stages: dict[str, Any]) -> str:
    for name in ("revise", "verify"):
        rates = ((stages.get(name) or {}).get("stats") or {}).get("correct_rate")
        if rates:
            return "\n".join(f"  {kind:<7} " + "  ".join(f"{turn}={value:.1%}" for turn, value in by_turn.items())
                             for kind, by_turn in rates.items())
    return ""


def _training(report: dict[str, Any] | None) -> str:
    stats = (report or {}).get("stats") or {}
    lines = []
    for key in sorted(k for k in stats if k.startswith("stage")):
        s = stats[key]
        if isinstance(s, dict) and s.get("loss_start") is not None:
            lines.append(f"  {key}: {s['loss_start']:.3f} -> {s['loss_end']:.3f} over {s.get('steps')} steps"
                         f" ({s.get('truncated_samples', 0)} samples truncated)")
    return "\n".join(lines)


def _scores(report: dict[str, Any] | None) -> str:
    results = ((report or {}).get("stats") or {}).get("results") or {}
    lines = []
    for checkpoint, scores in results.items():
        cells = ", ".join(f"{k}={'-' if v is None else f'{v:.1f}'}" for k, v in scores.items())
        lines.append(f"  {checkpoint}: {cells}")
    return "\n".join(lines)


def _num(x: Any) -> str:
    return "" if x is None else f"{x:,}"
