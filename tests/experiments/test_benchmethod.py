"""The shared benchmark method: interleaved order, medians and spreads, refusal of unstable ratios."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from experiments.benchmethod import (
    REFUSED_EXIT_CODE,
    Sample,
    Stopwatch,
    interleave,
    process_cpu_seconds,
    record,
    spread,
)


def scripted(rates: dict[str, list[float]]):
    """Methods returning pre-set samples (work = rate over 1 s) and the order they were called in."""
    calls: list[str] = []

    def method(name: str):
        def run() -> Sample:
            calls.append(name)
            return Sample(work=rates[name][len([c for c in calls if c == name]) - 1], wall_s=1.0, cpu_s=0.5)
        return run

    return {name: method(name) for name in rates}, calls


def test_methods_run_interleaved_and_report_median_and_spread():
    methods, calls = scripted({"a": [100, 110, 90], "b": [50, 50, 50]})
    comparison = interleave(methods, repetitions=3)
    assert calls == ["a", "b", "a", "b", "a", "b"] == comparison.order
    stats = comparison.to_dict()["methods"]["a"]
    assert stats["rate"]["median"] == 100 and stats["rate"]["spread"] == pytest.approx(0.2)
    assert stats["cpu_per_wall"]["median"] == 0.5
    before = comparison.to_dict()["method"]["before"]
    assert len(before["load_average"]) == 3 and 0 < before["busy_loop_core_share"] <= 1.5


def test_fewer_than_three_repetitions_are_refused():
    methods, _ = scripted({"a": [1, 1], "b": [1, 1]})
    with pytest.raises(ValueError, match="at least 3 repetitions"):
        interleave(methods, repetitions=2)


def test_ratio_is_taken_repetition_by_repetition_and_refused_beyond_ten_percent(tmp_path):
    methods, _ = scripted({"fast": [200, 210, 190], "slow": [100, 105, 95]})
    stable = interleave(methods, repetitions=3).ratio("fast", "slow")
    assert stable.values == [2.0, 2.0, 2.0] and stable.stable  # drift that hits both alike cancels
    methods, _ = scripted({"fast": [200, 260, 200], "slow": [100, 100, 100]})
    comparison = interleave(methods, repetitions=3)
    unstable = comparison.ratio("fast", "slow")
    assert not unstable.stable and unstable.spread == pytest.approx(0.3)
    data = comparison.to_dict()
    assert data["ratios"]["fast / slow"]["median"] is None and "not recorded" in data["ratios"]["fast / slow"]["refused"]
    out = tmp_path / "result.json"
    out.write_text("previous figures")
    with pytest.raises(SystemExit) as exit_info:
        record(data, out, "table")
    assert exit_info.value.code == REFUSED_EXIT_CODE
    assert out.read_text() == "previous figures"  # the recorded file is left alone


def test_record_writes_json_and_markdown_when_every_ratio_holds(tmp_path):
    methods, _ = scripted({"a": [100, 101, 99], "b": [50, 50, 50]})
    comparison = interleave(methods, repetitions=3)
    comparison.ratio("a", "b")
    record(comparison.to_dict(), tmp_path / "r.json", "| table |")
    assert json.loads((tmp_path / "r.json").read_text())["ratios"]["a / b"]["median"] == 2.0
    assert (tmp_path / "r.md").read_text() == "| table |\n"


def test_spread_and_plain_number_results_are_timed():
    assert spread([9, 10, 11]) == pytest.approx(0.2)
    comparison = interleave({"n": lambda: 5, "m": lambda: 7}, repetitions=3)
    assert [s.work for s in comparison.samples["n"]] == [5, 5, 5]
    assert all(s.wall_s >= 0 for s in comparison.samples["m"])


def test_stopwatch_counts_the_cpu_of_live_child_processes():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with Stopwatch() as tree, Stopwatch(tree=False) as own:
            while process_cpu_seconds(child.pid) < 0.4:
                time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    assert tree.cpu_s >= own.cpu_s + 0.3


def test_stepwise_methods_advance_in_turn_and_leave_set_up_untimed():
    events: list[str] = []

    def stepper(name: str, steps: int):
        def run():
            events.append(f"{name} set-up")
            time.sleep(0.05)  # untimed
            yield None
            for i in range(steps):
                events.append(f"{name}{i}")
                yield 10
            return {"last": name}
        return run

    comparison = interleave({"a": stepper("a", 3), "b": stepper("b", 2)}, repetitions=3)
    first = events[: events.index("a set-up", 1)]
    assert first == ["a set-up", "b set-up", "a0", "b0", "a1", "b1", "a2"]
    a = comparison.samples["a"][0]
    assert a.work == 30 and a.extra == {"steps": 3, "last": "a"} and a.wall_s < 0.05
    assert comparison.samples["b"][2].work == 20
