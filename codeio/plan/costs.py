"""The recorded benchmark the plan reads: per-stage costs measured on this machine (``costs.json``).

``experiments/plan/bench_plan.py`` writes it; this module only loads it and checks that everything the
plan needs is there, so that a missing or stale file stops the plan at start-up with what to run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "codeio-plan-costs/1"
BENCH_COMMAND = "python experiments/plan/bench_plan.py"
"""The command that (re)creates the recorded costs (see experiments/plan/README.md)."""
STAGES = ("collect", "transform", "sample", "tasks", "respond", "verify", "revise", "assemble")
YIELDS = ("transform_pass", "sample_keep", "pairs_per_kept_function", "pairs_target", "executions_per_pair",
          "tasks_per_pair", "verify_executions_per_input_task", "assemble_samples_per_task", "trace_correct_rate")
TEXT = ("prompt_chars_mean", "prompt_tokens_mean", "chars_per_token", "trace_response_chars_mean",
        "trace_response_tokens_mean", "feedback_chars_mean", "raw_file_chars_mean", "rewrite_response_chars_proxy")
CHECKOUT = Path(__file__).resolve().parents[2]


class CostsError(ValueError):
    """The recorded benchmark is missing or unusable; the message says what to run or fix."""


@dataclass
class Linear:
    """A cost that grows with a stage's work units: ``fixed + per_unit * units`` (fitted on two slice sizes)."""

    per_unit: float
    fixed: float

    def at(self, units: float) -> float:
        return self.fixed + self.per_unit * units


@dataclass
class StageCosts:
    unit: str
    chunked: bool
    cpu_s: Linear
    wall_s: Linear
    bytes: Linear
    """Bytes of the stage's cache entry, per row it writes."""
    cores: int
    """Cores of the machine it was measured on."""
    response_cache_bytes_per_row: float = 0.0

    @property
    def utilisation(self) -> float:
        """Share of this machine's cores the stage kept busy (per unit of work, start-up excluded)."""
        if self.wall_s.per_unit <= 0:
            return 1.0
        return min(1.0, max(1e-6, self.cpu_s.per_unit / self.wall_s.per_unit / self.cores))


@dataclass
class Costs:
    path: Path
    command: str
    recorded_at: str
    stages: dict[str, StageCosts]
    yields: dict[str, float]
    text: dict[str, Any]
    raw_collect: dict[str, float]
    settings: dict[str, Any]
    """The pipeline settings the benchmark ran with (group -> output settings)."""
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return f"measured here ({self.display_path})"

    @property
    def display_path(self) -> str:
        try:
            return str(self.path.relative_to(CHECKOUT))
        except ValueError:
            return str(self.path)


def find(path: str) -> Path:
    """``path`` as given, else relative to the checkout; the error names the command that creates it."""
    candidate = Path(path).expanduser()
    for option in (candidate, CHECKOUT / candidate):
        if option.is_file():
            return option.resolve()
    raise CostsError(f"plan.costs={path}: no recorded benchmark there. Create it with `{BENCH_COMMAND}` "
                     "(experiments/plan/README.md; about 10 minutes on 2 cores), or point plan.costs=FILE at one")


def load(path: str) -> Costs:
    file = find(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as err:
        raise CostsError(f"plan.costs={file}: not JSON ({err}); recreate it with `{BENCH_COMMAND}`") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CostsError(f"plan.costs={file}: not a {FORMAT} file (format={data.get('format') if isinstance(data, dict) else None!r}); "
                         f"recreate it with `{BENCH_COMMAND}`")
    missing = [f"stages.{s}" for s in STAGES if s not in data.get("stages", {})]
    missing += [f"yields.{k}" for k in YIELDS if k not in data.get("yields", {})]
    missing += [f"text.{k}" for k in TEXT if k not in data.get("text", {})]
    missing += [f"raw_collect.{k}" for k in ("cpu_s_per_row", "wall_s_per_row", "bytes_per_row")
                if k not in data.get("raw_collect", {})]
    if missing or not data.get("command"):
        raise CostsError(f"plan.costs={file}: lacks {', '.join(missing) or 'command'}; recreate it with `{BENCH_COMMAND}`")
    stages = {}
    for name in STAGES:
        s = data["stages"][name]
        stages[name] = StageCosts(unit=s["unit"], chunked=bool(s["chunked"]), cpu_s=Linear(**s["cpu_s"]),
                                  wall_s=Linear(**s["wall_s"]), bytes=Linear(**s["bytes"]), cores=int(s["cores"]),
                                  response_cache_bytes_per_row=float(s.get("response_cache_bytes_per_row", 0.0)))
    return Costs(path=file, command=data["command"], recorded_at=data.get("recorded_at", "?"), stages=stages,
                 yields={k: float(v) for k, v in data["yields"].items()}, text=data["text"],
                 raw_collect=data["raw_collect"], settings=data.get("settings", {}), raw=data)
