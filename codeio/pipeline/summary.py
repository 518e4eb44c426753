"""The end-of-run table printed from ``summary.json``."""

from __future__ import annotations

from typing import Any


def format_summary(summary: dict[str, Any]) -> str:
    header = ("stage", "cache", "rows in", "rows out", "rejected", "seconds", "top rejection reasons")
    lines = []
    for name, rep in summary.get("stages", {}).items():
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
    out += [fmt.format(*row) for row in lines]
    extra = []
    for name, rep in summary.get("stages", {}).items():
        for key, value in (rep.get("stats") or {}).items():
            if isinstance(value, (int, float, str)) or (isinstance(value, dict) and len(value) <= 8):
                extra.append(f"  {name}.{key}: {value}")
    text = "\n".join(out)
    if extra:
        text += "\n\nstatistics:\n" + "\n".join(extra)
    text += f"\n\nrun directory: {summary.get('run_dir')}\n  summary.json and stages/<stage>/ are there"
    return text


def _num(x: Any) -> str:
    return "" if x is None else f"{x:,}"
