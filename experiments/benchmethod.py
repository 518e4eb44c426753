"""The benchmark method every script under ``experiments/`` follows.

A figure measured on a shared machine is only worth recording if it would come out the same on a rerun.
So a comparison here:

- runs the compared methods **interleaved** (A, B, A, B, ...), so a change of load hits every method
  alike instead of one method's whole phase; methods written as generators are interleaved step by step
  (A1, B1, A2, B2, ...), which keeps even short bursts of load from landing on one method;
- repeats each at least **3 times** and reports the **median and the spread** ((max - min) / median) of
  every rate;
- records **CPU seconds beside wall seconds** (a method that waited for the CPU shows a low CPU/wall);
- records the **load average and the share of a core a busy loop gets**, before and after;
- **refuses to record a ratio** (A's rate over B's, repetition by repetition) whose repetitions disagree by
  more than 10%: the script then leaves the recorded file alone and exits with status 3.

Usage::

    def padded():                       # one repetition; set-up outside the stopwatch is not timed
        ...prepare...
        with Stopwatch() as watch:
            tokens = train(...)
        return watch.sample(work=tokens)

    comparison = interleave({"padded": padded, "packed": packed}, repetitions=3)
    comparison.ratio("packed", "padded")
    record(comparison.to_dict(), out_path)   # refuses (exit 3) when a ratio is unstable

A method may also return a plain number (its work), in which case the whole call is timed.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_REPETITIONS = 3
MAX_SPREAD = 0.10
"""A ratio whose repetitions differ by more than this fraction of their median is not recorded."""
REFUSED_EXIT_CODE = 3


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and of its children that were waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu_seconds(pid: int, waited_children: bool = True) -> float:
    """CPU seconds of a live process from /proc (plus its children it has waited for); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if waited_children else 0)
    return ticks / TICKS


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_cpu_seconds() -> float:
    """CPU seconds of this process and every process below it, live or already waited for (sandbox
    workers, servers, forkservers and their children): what a method cost the machine."""
    return cpu_seconds() + sum(process_cpu_seconds(pid) for pid in _descendants(os.getpid()))


def busy_loop_share(seconds: float = 0.5) -> float:
    """Fraction of one core a busy Python loop gets right now: 1.0 on an idle machine, less under load."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = own.ru_utime + own.ru_stime
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        sum(range(10_000))
    own = resource.getrusage(resource.RUSAGE_SELF)
    return round((own.ru_utime + own.ru_stime - cpu0) / (time.perf_counter() - start), 2)


def machine_state() -> dict[str, Any]:
    """Load average (1, 5, 15 min) and a busy loop's share of a core, at this moment."""
    return {"time": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "busy_loop_core_share": busy_loop_share()}


def machine_info() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "nice": os.nice(0)}


@dataclass
class Sample:
    """One repetition of one method: the work done (tokens, requests, tasks...) and what it cost."""

    work: float
    wall_s: float
    cpu_s: float
    extra: dict[str, Any] = field(default_factory=dict)
    """Whatever else the method measured (padding fraction, server CPU seconds...)."""

    @property
    def rate(self) -> float:
        return self.work / self.wall_s if self.wall_s > 0 else float("inf")


class Stopwatch:
    """Wall and CPU seconds of a ``with`` block; CPU of this process and all its descendants (``tree``,
    the default) or of this process alone (``tree=False``, e.g. a client whose server is measured apart)."""

    def __init__(self, tree: bool = True) -> None:
        self._cpu = tree_cpu_seconds if tree else cpu_seconds

    def __enter__(self) -> Stopwatch:
        self._cpu0, self._wall0 = self._cpu(), time.perf_counter()
        self.wall_s = self.cpu_s = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._wall0
        self.cpu_s = self._cpu() - self._cpu0

    def sample(self, work: float, **extra: Any) -> Sample:
        return Sample(work=work, wall_s=self.wall_s, cpu_s=self.cpu_s, extra=extra)


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: 0.1 means the repetitions lie within 10% of their median."""
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle else float("inf")


def summary(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "spread": round(spread(values), 4),
            "values": [round(v, digits) for v in values]}


@dataclass
class Ratio:
    """Rate of ``numerator`` over rate of ``denominator``, taken repetition by repetition."""

    numerator: str
    denominator: str
    values: list[float]
    max_spread: float = MAX_SPREAD

    @property
    def spread(self) -> float:
        return spread(self.values)

    @property
    def stable(self) -> bool:
        return self.spread <= self.max_spread

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def to_dict(self) -> dict[str, Any]:
        out = {"numerator": self.numerator, "denominator": self.denominator, **summary(self.values),
               "recorded": self.stable}
        if not self.stable:
            out["median"] = None
            out["refused"] = (f"repetitions disagree by {100 * self.spread:.1f}% "
                              f"(more than {100 * self.max_spread:.0f}%): not recorded")
        return out


@dataclass
class Comparison:
    """Samples of every method, in the interleaved order they ran, plus the machine's state around them."""

    samples: dict[str, list[Sample]]
    order: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    max_spread: float = MAX_SPREAD
    ratios: dict[str, Ratio] = field(default_factory=dict)

    def ratio(self, numerator: str, denominator: str, name: str | None = None, per_cpu_second: bool = False) -> Ratio:
        """Register and return the ratio of two methods' rates (repetition i of each, run side by side).

        ``per_cpu_second``: work per CPU second instead of per wall second. For a single-threaded method
        this barely moves with the machine's load (it counts the work, not the waiting), so it is the
        figure to look at when other jobs share the machine; it is recorded under its own name."""
        def rate(sample: Sample) -> float:
            return sample.work / sample.cpu_s if per_cpu_second else sample.rate

        pairs = zip(self.samples[numerator], self.samples[denominator], strict=True)
        result = Ratio(numerator, denominator, [rate(a) / rate(b) for a, b in pairs], self.max_spread)
        label = name or f"{numerator} / {denominator}"
        self.ratios[f"{label} (per CPU second)" if per_cpu_second else label] = result
        return result

    def method(self, name: str) -> dict[str, Any]:
        runs = self.samples[name]
        return {"rate": summary([s.rate for s in runs]),
                "rate_per_cpu_second": summary([s.work / s.cpu_s if s.cpu_s else float("inf") for s in runs]),
                "wall_s": summary([s.wall_s for s in runs]),
                "cpu_s": summary([s.cpu_s for s in runs]),
                "cpu_per_wall": summary([s.cpu_s / s.wall_s for s in runs], 2),
                "runs": [{"work": s.work, "wall_s": round(s.wall_s, 3), "cpu_s": round(s.cpu_s, 3), **s.extra}
                         for s in runs]}

    @property
    def refused(self) -> list[str]:
        return [name for name, r in self.ratios.items() if not r.stable]

    def to_dict(self) -> dict[str, Any]:
        return {"method": {"repetitions": len(next(iter(self.samples.values()))), "order": "interleaved",
                           "run_order": self.order, "max_ratio_spread": self.max_spread,
                           "machine": machine_info(), "before": self.before, "after": self.after},
                "methods": {name: self.method(name) for name in self.samples},
                "ratios": {name: r.to_dict() for name, r in self.ratios.items()}}


def interleave(methods: Mapping[str, Callable[[], Sample | float | Iterator]], repetitions: int = MIN_REPETITIONS,
               max_spread: float = MAX_SPREAD, on_sample: Callable[[str, int, Sample], None] | None = None,
               ) -> Comparison:
    """Run every method ``repetitions`` times in the order A, B, ..., A, B, ... and collect the samples.

    A method returns a ``Sample`` (it timed itself, e.g. to leave set-up out) or its work as a number (the
    whole call is timed). A method may also be **stepwise**: a generator that sets up, yields ``None``
    (untimed), then yields the work of each step and may ``return`` a dict of extra figures. Stepwise
    methods of a repetition advance in turn, one step each (A1, B1, A2, B2, ...), each step timed on its
    own: a burst of load then hits every method of the repetition alike, not one method's whole run.
    ``on_sample(name, repetition, sample)`` is called after each run (progress).
    """
    if repetitions < MIN_REPETITIONS:
        raise ValueError(f"at least {MIN_REPETITIONS} repetitions are needed for a median and a spread, "
                         f"got {repetitions}")
    samples: dict[str, list[Sample]] = {name: [] for name in methods}
    order: list[str] = []
    before = machine_state()

    def add(name: str, repetition: int, sample: Sample) -> None:
        samples[name].append(sample)
        if on_sample is not None:
            on_sample(name, repetition, sample)

    for repetition in range(repetitions):
        stepwise: dict[str, Iterator] = {}
        for name, run in methods.items():
            with Stopwatch() as watch:
                result = run()
            if isinstance(result, Iterator):
                next(result)  # set-up, untimed
                stepwise[name] = result
                continue
            add(name, repetition, result if isinstance(result, Sample) else watch.sample(float(result)))
            order.append(name)
        if stepwise:
            order.append("steps of " + ", ".join(stepwise) + " in turn")
        totals = {name: Sample(work=0.0, wall_s=0.0, cpu_s=0.0, extra={"steps": 0}) for name in stepwise}
        while stepwise:
            for name in list(stepwise):
                total = totals[name]
                with Stopwatch() as watch:
                    try:
                        work = next(stepwise[name])
                    except StopIteration as done:
                        del stepwise[name]
                        total.extra.update(done.value or {})
                        add(name, repetition, total)
                        continue
                total.work += work
                total.wall_s += watch.wall_s
                total.cpu_s += watch.cpu_s
                total.extra["steps"] += 1
    return Comparison(samples, order, before, machine_state(), max_spread)


def median_cell(stats: Mapping[str, Any], digits: int = 1) -> str:
    """``median (spread x%)`` for a Markdown table."""
    return f"{stats['median']:,.{digits}f} (spread {100 * stats['spread']:.1f}%)"


def ratio_cell(ratio: Mapping[str, Any]) -> str:
    if not ratio.get("recorded"):
        return f"not recorded ({100 * ratio['spread']:.0f}% spread)"
    return f"{ratio['median']:.2f}x (spread {100 * ratio['spread']:.1f}%)"


def state_line(method: Mapping[str, Any]) -> str:
    """One line on the method and the machine: repetitions, load and busy-loop share before/after."""
    before, after = method["before"], method["after"]
    return (f"{method['repetitions']} repetitions, methods interleaved; load average {before['load_average'][0]} "
            f"-> {after['load_average'][0]}, busy-loop share of a core {before['busy_loop_core_share']} -> "
            f"{after['busy_loop_core_share']} ({method['machine']['cpus']} CPUs)")


def record(result: Mapping[str, Any], path: Path, markdown: str | None = None) -> None:
    """Write ``result`` (JSON) and ``markdown`` beside it, unless a ratio was refused: then write nothing,
    say which ratio, and exit with status 3 so a scripted rerun notices."""
    refused = {name: r for name, r in result.get("ratios", {}).items() if not r.get("recorded", True)}
    if refused:
        for name, r in refused.items():
            print(f"NOT RECORDED: {name}: {r['refused']} (values {r['values']})", file=sys.stderr)
        print(f"{path} left unchanged; rerun on a quieter machine (uptime: load average "
              f"{os.getloadavg()[0]:.2f})", file=sys.stderr)
        raise SystemExit(REFUSED_EXIT_CODE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if markdown is not None:
        path.with_suffix(".md").write_text(markdown.rstrip() + "\n", encoding="utf-8")
    print(f"wrote {path}" + (f" and {path.with_suffix('.md').name}" if markdown is not None else ""))


__all__ = ["Comparison", "Ratio", "Sample", "Stopwatch", "interleave", "machine_state", "median_cell",
           "ratio_cell", "record", "state_line", "summary"]
