"""The printed plan (Markdown) and its JSON form."""

from __future__ import annotations

from typing import Any

from codeio.plan.costs import Costs
from codeio.plan.model import Plan


def quantity(x: float) -> str:
    """3 significant figures with K / M / G / T / P / E / Z."""
    for size, suffix in ((1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a (no GPU: cluster.gpus=0)"
    if seconds >= 86400:
        return f"{seconds / 86400:.3g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"


def hours(seconds: float) -> str:
    if not seconds:
        return "-"
    h = seconds / 3600
    return f"{h:,.0f}" if h >= 1000 else f"{h:.3g}"


def markdown(plan: Plan, costs: Costs, command: str) -> str:
    c = plan.cluster
    lines = [f"# codeio plan: {plan.scale}", "", f"`{command}`", "",
             f"Cluster: {c['nodes']} CPU node(s) x {c['cores_per_node']} cores, {c['gpus']} GPU(s) in all. "
             f"Measured inputs: {costs.display_path}, recorded {costs.recorded_at} by `{costs.command}`.", "",
             "| stage | work at this size | core-hours | GPU-hours | wall on this cluster | disk | rests on |",
             "|---|---|---:|---:|---:|---:|---|"]
    for s in plan.stages:
        work = ", ".join(f"{k} {quantity(v)}" for k, v in s.work.items()) or "-"
        basis = ", ".join(f"{plan.inputs[b].basis}: {b}" for b in s.basis if b in plan.inputs) or "-"
        lines.append(f"| {s.stage} | {work} | {hours(s.cpu_s)} | {hours(s.gpu_s)} | {duration(s.wall_s)} | "
                     f"{size(s.bytes)} | {basis} |")
    t = plan.totals()
    lines.append(f"| **total** | | **{hours(t['cpu_s'])}** | **{hours(t['gpu_s'])}** | **{duration(t['wall_s'])}** | "
                 f"**{size(t['bytes'])}** | stages one after another |")
    notes = [f"- {s.stage}: {n}" for s in plan.stages for n in s.notes]
    notes.append("- wall times assume every core and GPU kept busy: job scheduling, start-up of each array "
                 "task and shared-filesystem I/O are not in them")
    lines += ["", "Notes:", *notes]
    lines += ["", "Inputs (measured = on this machine by the recorded benchmark; assumed = not measurable here, "
              "with its source; config = the composed pipeline settings):", "",
              "| input | value | basis | source |", "|---|---|---|---|"]
    for i in plan.inputs.values():
        value = f"{i.value:,.4g}" if isinstance(i.value, float | int) else str(i.value)
        lines.append(f"| {i.name} | {value} | {i.basis} | {i.source} |")
    if plan.warnings:
        lines += ["", "Warnings:", *[f"- {w}" for w in plan.warnings]]
    return "\n".join(lines)


def to_json(plan: Plan, costs: Costs, args: list[str]) -> dict[str, Any]:
    return {"command": " ".join(["python -m codeio.plan", *args]), "scale": plan.scale, "cluster": plan.cluster,
            "costs": {"file": costs.display_path, "command": costs.command, "recorded_at": costs.recorded_at},
            "stages": {s.stage: {"work": s.work, "cpu_s": s.cpu_s, "gpu_s": s.gpu_s, "wall_s": s.wall_s,
                                 "bytes": s.bytes, "core_hours": s.cpu_s / 3600, "gpu_hours": s.gpu_s / 3600,
                                 "rests_on": {b: plan.inputs[b].basis for b in s.basis if b in plan.inputs},
                                 "notes": s.notes} for s in plan.stages},
            "totals": plan.totals(),
            "inputs": {i.name: {"value": i.value, "basis": i.basis, "source": i.source} for i in plan.inputs.values()},
            "warnings": plan.warnings}
