"""PAPER.md's output comparison rule on decoded JSON values."""

from __future__ import annotations

import math

import pytest

from codeio.verify.compare import numbers_close, outputs_match, values_close


@pytest.mark.parametrize(
    "pred, true",
    [
        (3, 3),
        (3.0, 3),
        ("abc", "abc"),
        (None, None),
        ([1, [2, {"a": 3}]], [1, [2, {"a": 3}]]),
        ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
        (0.3333, 1 / 3),  # relative error 1e-4
        (2.0005, 2.0),  # 2.5e-4, same integer part
        ({"x": [1.0001, 2]}, {"x": [1.0, 2]}),
        (-7.5002, -7.5),
        (True, True),
    ],
)
def test_matches(pred, true):
    assert outputs_match(pred, true)


@pytest.mark.parametrize(
    "pred, true",
    [
        (4, 3),
        (1.1, 1.0),  # relative error 0.1
        (2.9999, 3.0),  # close, but integer part 2 != 3
        (-0.9999, -1.0),  # integer part 0 != -1
        (1000001, 1000000),  # ints: exact
        (True, 1),  # bool is not int
        (1, True),
        (False, 0),
        (0.0, False),
        ("1", 1),
        (None, 0),
        (None, "null"),
        ([1, 2], [1, 2, 3]),
        ([1, 2], (1, 2, 3)),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1}, {"b": 1}),
        ([1], {"0": 1}),
        ("abc", "abd"),
        (0.0001, 0.0),  # relative error is 1 when one side is zero
    ],
)
def test_mismatches(pred, true):
    assert not outputs_match(pred, true)


def test_nan_and_inf_never_match():
    assert not outputs_match(math.nan, math.nan)
    assert not outputs_match(math.inf, math.inf)
    assert not outputs_match(-math.inf, -math.inf)
    assert not outputs_match([math.nan], [math.nan])
    assert not outputs_match({"a": math.inf}, {"a": 1e308})
    assert not numbers_close(math.nan, 1.0)


def test_relative_tolerance_is_configurable():
    assert not outputs_match(1.05, 1.0)
    assert outputs_match(1.05, 1.0, rel_tol=0.1)
    assert not outputs_match(1.0005, 1.0, rel_tol=1e-6)


def test_abs_tol_adds_slack_but_integer_part_still_counts():
    assert outputs_match(1e-9, 0.0, abs_tol=1e-6)
    assert not outputs_match(0.9999999, 1.0, abs_tol=1.0)


def test_big_ints_are_compared_exactly():
    big = 10**30
    assert outputs_match(big, big)
    assert not outputs_match(big + 1, big)


def test_deeply_nested_values_do_not_recurse():
    deep_a: list = []
    deep_b: list = []
    cur_a, cur_b = deep_a, deep_b
    for _ in range(50_000):
        cur_a.append([])
        cur_b.append([])
        cur_a, cur_b = cur_a[0], cur_b[0]
    cur_a.append(1.0001)
    cur_b.append(1.0)
    assert values_close(deep_a, deep_b)
    assert outputs_match(deep_a, deep_b)
