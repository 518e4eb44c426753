"""The unified rewrite of ``raw/josephus.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
`n` people numbered 1 to n stand in a circle. Counting starts at person 1, and every `k`-th person
still standing is removed, counting on from the next person. In what order are people removed, and
who is left last?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): number of people, 1 to 19.
  `k` (int): the counting step, 1 to 25.
Output:
  `return` (dict): `order` (list of int) the people in order of removal (the last one included),
  `survivor` (int).
"""

# --- refcode ---
def main_solution(n, k):
    circle = list(range(1, n + 1))
    order, i = [], 0
    while circle:
        i = (i + k - 1) % len(circle)
        order.append(circle.pop(i))
    return {"order": order, "survivor": order[-1]}


# --- inputgen ---
import random


def input_generator():
    return {"n": random.randint(1, 19), "k": random.randint(1, 25)}
