"""The unified rewrite of ``raw/kadane.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
A trader records daily profits and losses `changes`. Which run of consecutive days has the largest
total (the earliest such run, and the shortest among those starting there), and what is the largest
total if the run may also wrap around from the last day to the first?
"""
IO_REQUIREMENTS = """\
Input:
  `changes` (list of int): daily results, 1 to 18 items, may be negative.
Output:
  `return` (dict): `best_sum` (int), `start` (int) and `end` (int) the inclusive 0-based bounds of
  the best straight run, `best_circular_sum` (int) the best total when wrapping is allowed.
"""

# --- refcode ---
def best_run(a):
    best_sum, best, cur_sum, cur_start = a[0], (0, 0), a[0], 0
    for i in range(1, len(a)):
        if cur_sum < 0:
            cur_sum, cur_start = a[i], i
        else:
            cur_sum += a[i]
        if cur_sum > best_sum:
            best_sum, best = cur_sum, (cur_start, i)
    return best_sum, best


def main_solution(changes):
    straight, (i, j) = best_run(changes)
    circular = straight
    if straight >= 0:
        inverted, _ = best_run([-x for x in changes])
        circular = max(straight, sum(changes) + inverted)
    return {"best_sum": straight, "start": i, "end": j, "best_circular_sum": circular}


# --- inputgen ---
import random


def input_generator():
    return {"changes": [random.randint(-20, 20) for _ in range(random.randint(1, 18))]}
