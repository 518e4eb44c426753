"""Renderer: golden rationales, every quoted number from the trace, variety, budgets, truncation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codeio.teachers.trace.render import RenderOptions, render_input, render_output
from codeio.teachers.trace.tree import CallNode, LoopNode, build_tree
from codeio.verify.extract import extract_answer
from tests.trace.trace_helpers import numbers_in, trace_numbers, trace_source

GOLDEN = Path(__file__).resolve().parent / "golden"

COLLATZ = '''
def step(x):
    if x % 2 == 0:
        return x // 2
    return 3 * x + 1

def main_solution(n, limit):
    path = [n]
    while n != 1 and len(path) < limit:
        n = step(n)
        path.append(n)
    peak = max(path)
    return {"steps": len(path) - 1, "peak": peak}
'''

WORDS = '''
def main_solution(text):
    counts = {}
    for word in text.lower().split():
        word = word.strip(".,!?")
        if not word:
            continue
        counts[word] = counts.get(word, 0) + 1
    best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return [best[0], best[1]]
'''

FIB = '''
def fib(k, memo):
    if k in memo:
        return memo[k]
    value = fib(k - 1, memo) + fib(k - 2, memo)
    memo[k] = value
    return value

def main_solution(n):
    return fib(n, {0: 0, 1: 1})
'''

MERGE = '''
def merge(left, right):
    merged, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    return merged + left[i:] + right[j:]

def main_solution(nums):
    runs = [[x] for x in nums]
    while len(runs) > 1:
        runs = [merge(runs[k], runs[k + 1]) if k + 1 < len(runs) else runs[k] for k in range(0, len(runs), 2)]
    return runs[0] if runs else []
'''

CASES = {
    "collatz_output": (COLLATZ, {"n": 6, "limit": 50}, "output"),
    "words_output": (WORDS, {"text": "The cat and the hat. The end!"}, "output"),
    "fib_output": (FIB, {"n": 6}, "output"),
    "merge_output": (MERGE, {"nums": [5, 1, 4, 2, 3]}, "output"),
    "collatz_input": (COLLATZ, {"n": 7, "limit": 50}, "input"),
    "words_input": (WORDS, {"text": "a b a"}, "input"),
}


def rationale(name: str, seed: int = 0, opts: RenderOptions | None = None):
    source, kwargs, kind = CASES[name]
    value, log = trace_source(source, kwargs)
    opts = opts or RenderOptions()
    if kind == "output":
        text = render_output(log, "main_solution", value, opts, seed, kwargs=kwargs)
    else:
        text = render_input(log, "main_solution", kwargs, value, opts, seed)
    return text, value, log, kwargs, kind


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_rationale(name):
    text, value, _, kwargs, kind = rationale(name)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8"), f"rationale changed; UPDATE_GOLDEN=1 rewrites {path}"
    answer = extract_answer(text, kind)
    assert answer.ok and answer.value == (value if kind == "output" else kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_number_in_a_rationale_comes_from_the_trace(name, seed):
    text, value, log, kwargs, _ = rationale(name, seed)
    allowed = trace_numbers(log, json.dumps(kwargs), json.dumps(value))
    assert numbers_in(text) <= allowed, sorted(numbers_in(text) - allowed)


def test_number_check_catches_an_invented_number():
    text, value, log, kwargs, _ = rationale("collatz_output")
    allowed = trace_numbers(log, json.dumps(kwargs), json.dumps(value))
    assert not numbers_in(text + " so it took 987654 steps") <= allowed


def test_phrasings_vary_with_the_seed_but_the_answer_does_not():
    texts = {rationale("merge_output", seed)[0] for seed in range(6)}
    assert len(texts) >= 4
    answers = {json.dumps(extract_answer(t, "output").value) for t in texts}
    assert answers == {json.dumps([1, 2, 3, 4, 5])}


def test_long_loop_is_summarised_with_first_pattern_and_last_iterations():
    text, *_ = rationale("collatz_output")
    # n=6 takes 8 steps: iterations 1-2 in full, 3..7 summarised, 8 in full, then the state after the loop
    assert "runs 8 times" in text or "round 8 times" in text or "repeats 8 times" in text
    assert "3 to 7" in text
    assert "`n` takes the values" in text or "`n` moves through" in text
    assert "peak = 16" in text


def test_branch_decisions_are_reported():
    text, *_ = rationale("collatz_output")
    assert "`if x % 2 == 0`" in text
    assert "true" in text.lower() or "holds" in text


def test_budget_bounds_the_length_and_keeps_the_answer():
    small = RenderOptions(max_steps=5)
    text, value, *_ = rationale("merge_output", opts=small)
    bullets = [line for line in text.splitlines() if line.lstrip().startswith("- ")]
    assert len(bullets) <= 5 + 3  # budget note, the return sentence
    assert extract_answer(text, "output").value == value
    full, *_ = rationale("merge_output")
    assert len(text) < len(full)


def test_input_rationale_reasons_backwards_then_confirms():
    text, value, _, kwargs, _ = rationale("collatz_input")
    back = text.index("backwards") if "backwards" in text else text.index("reason back")
    assert "`peak`" in text[back:]
    assert text.index("7") < text.rindex("```json")
    assert extract_answer(text, "input").value == kwargs


def test_truncated_log_still_ends_with_the_traced_answer():
    source, kwargs, _ = CASES["collatz_output"]
    value, log = trace_source(source, {"n": 27, "limit": 500}, max_events=40)
    assert log["truncated"] and log["truncated_reason"] == "events"
    text = render_output(log, "main_solution", value, RenderOptions(), 0)
    assert extract_answer(text, "output").value == value
    assert "stop following it" in text or "followed it only this far" in text


def test_tree_nests_calls_loops_and_iterations():
    _, log = trace_source(COLLATZ, {"n": 6, "limit": 50})
    root = build_tree(log["events"])
    assert isinstance(root, CallNode) and root.name == "main_solution" and root.ret is not None
    loops = [s for s in root.steps if isinstance(s, LoopNode)]
    assert len(loops) == 1 and loops[0].count == 8 and len(loops[0].iterations) == 8
    calls = [s for s in loops[0].iterations[0] if isinstance(s, CallNode)]
    assert calls and calls[0].name == "step" and calls[0].ret == "3"


def test_tree_tolerates_garbage_events():
    assert build_tree([]) is None
    assert build_tree([["ret", 0, "f", "1"], "junk", [1], ["set", 5, None, {}]]) is None
    root = build_tree([["call", 0, "f", {}], ["iter", 0, 3, 1], ["set", 0, 4, {"x": "1"}]])
    assert root is not None and root.ret is None
