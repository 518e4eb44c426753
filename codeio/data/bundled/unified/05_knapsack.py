"""The unified rewrite of ``raw/knapsack.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
A hiker can carry at most `capacity` kilograms. Item i weighs the i-th entry of `weights` in
kilograms and is worth the i-th entry of `values` in points; each item is taken whole or left
behind. What is the highest total worth she can carry, and which items (by index) give it?
"""
IO_REQUIREMENTS = """\
Input:
  `weights` (list of int): positive weight of each item (up to 10 items).
  `values` (list of int): worth of each item, same length as weights.
  `capacity` (int): the weight limit, non-negative.
Output:
  `return` (dict): `best_value` (int) the highest total worth and `items` (list of int) the chosen
  indices in ascending order (the choice found by tracing the table back from the last item).
"""

# --- refcode ---
def main_solution(weights, values, capacity):
    n = len(weights)
    t = [[0] * (capacity + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        w, v = weights[i - 1], values[i - 1]
        for c in range(capacity + 1):
            t[i][c] = t[i - 1][c]
            if w <= c and t[i - 1][c - w] + v > t[i][c]:
                t[i][c] = t[i - 1][c - w] + v
    chosen, c = [], capacity
    for i in range(n, 0, -1):
        if t[i][c] != t[i - 1][c]:
            chosen.append(i - 1)
            c -= weights[i - 1]
    return {"best_value": t[n][capacity], "items": sorted(chosen)}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 10)
    return {
        "weights": [random.randint(1, 12) for _ in range(n)],
        "values": [random.randint(1, 40) for _ in range(n)],
        "capacity": random.randint(0, 30),
    }
