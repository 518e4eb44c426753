"""The trace harness (stdlib-only, loaded as text): events, caps, summaries, Python versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trace.trace_helpers import HARNESS, trace_source

LOOPS = '''
def helper(x):
    if x > 2:
        return x * 10
    return x

def main_solution(items, stop_at):
    total = 0
    seen = []
    for i, x in enumerate(items):
        if x == stop_at:
            break
        total += helper(x)
        seen.append(x)
    k = 0
    while k < 3:
        k += 1
    return {"total": total, "seen": seen, "k": k}
'''

GENERATORS = '''
class Counter:
    def __init__(self):
        self.total = 0

    def add(self, x):
        self.total += x
        return self.total

def evens(n):
    for i in range(n):
        if i % 2 == 0:
            yield i

def main_solution(n):
    c = Counter()
    for v in evens(n):
        c.add(v)
    return c.total
'''


def kinds(log):
    return [e[0] for e in log["events"]]


def test_records_calls_branches_loops_and_changes():
    value, log = trace_source(LOOPS, {"items": [1, 3, 5, 7], "stop_at": 5})
    assert value == {"total": 31, "seen": [1, 3], "k": 3}
    events = log["events"]
    assert events[0] == ["call", 0, "main_solution", [["items", "[1, 3, 5, 7]"], ["stop_at", "5"]]]
    assert events[-1][:4] == ["ret", 0, "main_solution", "{'total': 31, 'seen': [1, 3], 'k': 3}"]
    assert ["call", 1, "helper", [["x", "3"]]] in events and ["ret", 1, "helper", "30", 4] in events
    # for loop: three iterations entered, left by `break` on the third
    for_line = next(int(k) for k, v in log["src"].items() if v.startswith("for "))
    assert [e[3] for e in events if e[0] == "iter" and e[2] == for_line] == [1, 2, 3]
    assert ["done", 0, for_line, 3] in events
    # while loop: three iterations, left normally
    while_line = next(int(k) for k, v in log["src"].items() if v.startswith("while "))
    assert ["done", 0, while_line, 3] in events
    # branch outcomes of `if x == stop_at` in order
    if_line = next(int(k) for k, v in log["src"].items() if v.startswith("if x == stop_at"))
    assert [e[3] for e in events if e[0] == "branch" and e[2] == if_line] == [False, False, True]
    # the loop variables change at the header line; total changes at its own line
    sets = [e for e in events if e[0] == "set"]
    assert ["set", 0, for_line, [["i", "0"], ["x", "1"]]] in sets
    assert any(["total", "31"] in e[3] for e in sets)
    assert not log["truncated"] and log["truncated_reason"] is None
    assert log["python"] and log["entry"] == "main_solution"


def test_standard_library_and_comprehensions_are_not_traced():
    source = "import json\n\ndef main_solution(xs):\n    ys = [x * 2 for x in xs]\n    return json.loads(json.dumps(sorted(ys)))\n"
    value, log = trace_source(source, {"xs": [3, 1, 2]})
    assert value == [2, 4, 6]
    names = {e[2] for e in log["events"] if e[0] == "call"}
    assert names == {"main_solution"}


def test_event_cap_truncates_and_the_value_is_still_returned():
    source = "def main_solution(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
    value, log = trace_source(source, {"n": 100000}, max_events=50)
    assert value == sum(range(100000))
    assert log["truncated"] and log["truncated_reason"] == "events" and len(log["events"]) == 50


def test_time_and_depth_caps():
    source = "def main_solution(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
    value, log = trace_source(source, {"n": 3_000_000}, max_events=10**9, max_bytes=10**12, max_seconds=0.05)
    assert value == sum(range(3_000_000)) and log["truncated_reason"] == "time"
    deep = "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n\ndef main_solution(n):\n    return f(n)\n"
    value, log = trace_source(deep, {"n": 200}, max_depth=20)
    assert value == 200 and log["truncated_reason"] == "depth"


def test_value_summaries_are_capped():
    source = ("def main_solution(n):\n    big = list(range(n))\n    text = 'x' * n\n"
              "    huge = 7 ** 5000\n    nested = {'a': [[1, 2, [3, [4]]]]}\n    return len(big)\n")
    _, log = trace_source(source, {"n": 1000}, max_value_chars=40, max_items=4)
    changes = {}
    for e in log["events"]:
        if e[0] == "set":
            changes.update(dict(e[3]))
    assert changes["big"].startswith("[0, 1, 2, 3, ...]") and "<1000 items>" in changes["big"]
    assert len(changes["text"]) <= 40
    assert changes["huge"].startswith("<int of ") and len(changes["huge"]) <= 40
    assert all(len(v) <= 40 for v in changes.values())


def test_objects_and_failing_repr_are_summarised_safely():
    source = '''
class Node:
    def __init__(self, val):
        self.val = val
        self.next = None

class Bad:
    def __repr__(self):
        raise RuntimeError("no")

def main_solution(v):
    node = Node(v)
    bad = Bad()
    return node.val
'''
    value, log = trace_source(source, {"v": 4})
    assert value == 4
    changes = {}
    for e in log["events"]:
        if e[0] == "set":
            changes.update(dict(e[3]))
    assert changes["node"] == "Node(val=4, next=None)"
    assert "unprintable" in changes["bad"]


def test_exceptions_propagate_and_caught_ones_are_logged():
    source = '''
def risky(x):
    return 10 // x

def main_solution(x):
    try:
        risky(0)
    except ZeroDivisionError:
        pass
    return risky(x)
'''
    value, log = trace_source(source, {"x": 5})
    assert value == 2
    assert ["raise", 1, "risky", "ZeroDivisionError", 3] in log["events"]
    with pytest.raises(ZeroDivisionError):
        trace_source(source, {"x": 0})


def test_mismatched_source_disables_line_facts_but_not_tracing():
    source = "def main_solution(n):\n    if n > 1:\n        n = n - 1\n    return n\n"
    namespace = {}
    exec(compile(source, "<job>", "exec"), namespace)
    from tests.trace.trace_helpers import load_harness

    value, log = load_harness().run(namespace["main_solution"], {"n": 3}, {"source": "x = 1\n" * 10})
    assert value == 2 and log["src"] == {} and not any(e[0] == "branch" for e in log["events"])
    assert any(e[0] == "set" and e[3] == [["n", "2"]] for e in log["events"])


def test_previous_trace_function_is_restored():
    def keep(*_):
        return None

    sys.settrace(keep)
    try:
        trace_source("def main_solution():\n    return 1\n", {})
        assert sys.gettrace() is keep
    finally:
        sys.settrace(None)


SCRIPT = '''
import json, sys, types
module = types.ModuleType("h")
exec(compile(open(sys.argv[1]).read(), "<harness trace>", "exec"), module.__dict__)
src = sys.argv[2]
ns = {}
exec(compile(src, "<job>", "exec"), ns)
value, log = module.run(ns["main_solution"], json.loads(sys.argv[3]), {"source": src})
log.pop("python"); log.pop("lines_executed")
print(json.dumps([value, log], sort_keys=True))
'''


@pytest.mark.parametrize("source, kwargs", [(LOOPS, {"items": [1, 3, 5, 7], "stop_at": 5}), (GENERATORS, {"n": 7})],
                         ids=["loops", "generators"])
@pytest.mark.parametrize("version", ["3.8", "3.9", "3.10", "3.12", "3.13"])
def test_same_log_under_other_python_versions(version, source, kwargs):
    candidates = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    if not candidates:
        pytest.skip(f"no Python {version} interpreter found under ~/.pyenv")
    argv = [str(HARNESS), source, json.dumps(kwargs)]
    mine = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, check=True).stdout
    other = subprocess.run([str(candidates[-1]), "-c", SCRIPT, *argv], capture_output=True, text=True,
                           check=True).stdout
    assert json.loads(other) == json.loads(mine)


def test_generators_and_methods_keep_depths_consistent():
    source = GENERATORS
    value, log = trace_source(source, {"n": 7})
    assert value == 12
    depth = 0
    for event in log["events"]:
        if event[0] in ("call", "resume"):
            depth += 1
        elif event[0] in ("ret", "yield", "raise"):
            depth -= 1
        assert event[1] <= depth, event
    assert depth == 0
    yields = [e[3] for e in log["events"] if e[0] == "yield" and e[2] == "evens"]
    assert yields == ["0", "2", "4", "6"]
    assert [e[3] for e in log["events"] if e[0] == "ret" and e[2] == "evens"] == ["None"]
    assert sum(e[0] == "resume" for e in log["events"]) == 4
    from codeio.teachers.trace.render import RenderOptions, render_output

    text = render_output(log, "main_solution", value, RenderOptions(), 0)
    assert text.rstrip().endswith("```") and '{"output": 12}' in text
    assert "yields 2" in text


def test_a_failing_tracer_stops_quietly_and_never_changes_the_result(harness):
    def broken(self, value):
        raise KeyError("tracer bug")

    harness._Summarizer.__call__ = broken
    namespace = {}
    source = "def main_solution(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
    exec(compile(source, "<job>", "exec"), namespace)
    value, log = harness.run(namespace["main_solution"], {"n": 10}, {"source": source})
    assert value == 45 and log["truncated_reason"] == "tracer_error"
