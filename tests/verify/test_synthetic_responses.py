"""10,000 synthetic responses (right, wrong, malformed, hostile) verified through the real executor.

True outputs are computed by the executor too: no reference code runs in the test process.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter

from codeio import records
from codeio.execution.base import Call, Job
from codeio.verify import Verifier, VerifyItem

FUNCTIONS = {
    "mul": ("def main_solution(a, b):\n    return a * b + 1\n",
            lambda r: {"a": r.randint(-50, 50), "b": r.randint(0, 30)}),
    "rotate": ("def main_solution(s, k):\n    return s[k:] + s[:k]\n",
               lambda r: {"s": "".join(r.choice("abcde") for _ in range(r.randint(1, 8))), "k": r.randint(0, 3)}),
    "floats": ("def main_solution(x):\n    return {'third': x / 3, 'square': x * x}\n",
               lambda r: {"x": round(r.uniform(1, 100), 3)}),
    "sort": ("def main_solution(nums):\n    return sorted(nums)\n",
             lambda r: {"nums": [r.randint(0, 9) for _ in range(r.randint(0, 6))]}),
    "even": ("def main_solution(n):\n    return n % 2 == 0\n", lambda r: {"n": r.randint(0, 1000)}),
    "guarded": (
        "def main_solution(n):\n"
        "    if n < 0:\n        while True:\n            pass\n"
        "    if n > 10**6:\n        return len([0] * n)\n"
        "    return [n, n + 1]\n",
        lambda r: {"n": r.randint(0, 100)},
    ),
}
HOSTILE_LOOPS = [{"n": -i} for i in range(1, 5)]
HOSTILE_ALLOCS = [{"n": 10**11 + i} for i in range(3)]


def wrong_value(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 3
    if isinstance(value, str):
        return value + "z"
    if isinstance(value, list):
        return value + [0]
    if isinstance(value, dict):
        return {**value, "extra": 1}
    return 0


def nudged(value):
    """A value within the paper's tolerance of ``value`` (floats moved by 1e-5 relative)."""
    if isinstance(value, float):
        moved = value * (1 + 1e-5)
        return moved if int(moved) == int(value) else value
    if isinstance(value, dict):
        return {k: nudged(v) for k, v in value.items()}
    return value


def build_cases(pairs, rng: random.Random, count: int):
    """(item, expected status) pairs covering every response category."""
    output_styles = ["json", "fenced", "literal", "close", "boxed", "junk_then_answer", "wrong", "int_for_bool",
                     "nan", "no_json", "wrong_key", "truncated", "none", "unparsable"]
    input_styles = ["right", "other", "bad_name", "not_dict", "loop", "alloc", "no_json", "truncated",
                    "fenced_literal", "nan"]
    outputs = {}
    for name, kwargs_json, output_json in pairs:
        outputs[(name, kwargs_json)] = output_json
    cases = []
    for _ in range(count):
        name, kwargs_json, output_json = rng.choice(pairs)
        code = FUNCTIONS[name][0]
        truth = json.loads(output_json)
        kwargs = json.loads(kwargs_json)
        finish = "stop"
        if rng.random() < 0.5:
            kind, style = "output", rng.choice(output_styles)
            expected = records.SUCCESS
            if style == "json":
                text = "Step by step... " + json.dumps({"output": truth})
            elif style == "fenced":
                text = "Here:\n```json\n" + json.dumps({"output": truth}, indent=2) + "\n```\nDone."
            elif style == "literal":
                text = "Answer: " + repr({"output": truth})
            elif style == "close":
                text = json.dumps({"output": nudged(truth)})
            elif style == "boxed":
                text = "Hence \\boxed{" + json.dumps(truth) + "}"
            elif style == "junk_then_answer":
                text = "}" * 3000 + ' {"note": "}{"} ' + '"quoted prose ' + json.dumps({"output": truth})
            elif style == "wrong":
                text = json.dumps({"output": wrong_value(truth)})
                expected = records.MISMATCH
            elif style == "int_for_bool":
                if not isinstance(truth, bool):
                    continue
                text = json.dumps({"output": int(truth)})
                expected = records.MISMATCH
            elif style == "nan":
                text = '{"output": NaN}'
                expected = records.MISMATCH
            else:
                expected = records.NO_ANSWER
                text = {"no_json": "I cannot tell.", "wrong_key": json.dumps({"answer": truth}),
                        "truncated": json.dumps({"output": truth}), "none": None,
                        "unparsable": "{output: maybe}"}[style]
                finish = "length" if style == "truncated" else "stop"
        else:
            kind, style = "input", rng.choice(input_styles)
            expected = records.SUCCESS
            if style == "right":
                text = "So " + json.dumps({"input": kwargs})
            elif style == "fenced_literal":
                text = "```python\n" + repr({"input": kwargs}) + "\n```"
            elif style == "other":
                other_kwargs_json = rng.choice([k for (n, k) in outputs if n == name])
                text = json.dumps({"input": json.loads(other_kwargs_json)})
                same = json.loads(outputs[(name, other_kwargs_json)]) == truth
                expected = records.SUCCESS if same else records.MISMATCH
            elif style == "bad_name":
                text = json.dumps({"input": {"zz_" + k: v for k, v in kwargs.items()}})
                expected = records.EXCEPTION
            elif style == "not_dict":
                text = json.dumps({"input": list(kwargs.values())})
                expected = records.EXCEPTION
            elif style == "nan":
                text = '{"input": {"x": NaN}}'
                expected = records.EXCEPTION
            elif style in ("loop", "alloc"):
                name = "guarded"
                code = FUNCTIONS[name][0]
                truth = [1, 2]
                output_json = json.dumps(truth)
                kwargs_json = json.dumps({"n": 1})
                text = json.dumps({"input": rng.choice(HOSTILE_LOOPS if style == "loop" else HOSTILE_ALLOCS)})
                expected = records.TIMEOUT if style == "loop" else records.MEMORY
            else:
                expected = records.NO_ANSWER
                text = "no idea" if style == "no_json" else json.dumps({"input": kwargs})
                finish = "length" if style == "truncated" else "stop"
        item = VerifyItem(code, "main_solution", kind, kwargs_json, output_json, text, finish)
        cases.append((item, expected, f"{kind}/{style}"))
    return cases


def true_pairs(executor, per_function: int = 40):
    """Distinct inputs per function and their outputs, computed in the executor."""
    rng = random.Random(1234)
    jobs, meta = [], []
    for name, (code, make) in sorted(FUNCTIONS.items()):
        inputs = sorted({json.dumps(make(rng), sort_keys=True) for _ in range(per_function)})
        jobs.append(Job(code=code, calls=[Call(kwargs_json=k) for k in inputs], timeout=2.0))
        meta.append((name, inputs))
    pairs = []
    for (name, inputs), result in zip(meta, executor.run(jobs), strict=True):
        for kwargs_json, call in zip(inputs, result.calls, strict=True):
            assert call.ok, (name, kwargs_json, call)
            pairs.append((name, kwargs_json, call.value_json))
    return pairs


def test_ten_thousand_synthetic_responses(executor):
    pairs = true_pairs(executor)
    cases = build_cases(pairs, random.Random(99), 10_400)[:10_000]
    assert len(cases) == 10_000
    verifier = Verifier(timeout=0.5)
    start = time.perf_counter()
    verdicts = verifier.verify([item for item, _e, _s in cases], executor)
    elapsed = time.perf_counter() - start
    assert len(verdicts) == len(cases)
    wrong = [(style, exp, v.status, v.feedback[:120]) for (item, exp, style), v in zip(cases, verdicts, strict=True)
             if v.status != exp]
    assert not wrong, f"{len(wrong)} unexpected verdicts, e.g. {wrong[:5]}"
    by_status = Counter(v.status for v in verdicts)
    assert set(by_status) == {records.SUCCESS, records.MISMATCH, records.NO_ANSWER, records.EXCEPTION,
                              records.TIMEOUT, records.MEMORY}
    assert all(v.feedback for v in verdicts)
    # Output-prediction mismatches never quote the true output.
    for (item, _exp, style), verdict in zip(cases, verdicts, strict=True):
        if style == "output/wrong" and len(item.output_json) > 6:
            shown = json.dumps(json.loads(item.output_json), ensure_ascii=False)
            assert shown not in verdict.feedback
    print(f"10,000 responses verified in {elapsed:.1f} s: {dict(by_status)}")
    assert elapsed < 120
