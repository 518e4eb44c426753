"""The unified rewrite of ``raw/combinatorics.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "combinatorics"
PROBLEM = """\
A club has `n` members. In how many ways can a committee of `k` members be chosen, in how many ways
can `k` members be lined up in order, what is the n-th Catalan number, and what is row `n` of
Pascal's triangle?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): number of members, 0 to 18.
  `k` (int): size of the committee, 0 to n.
Output:
  `return` (dict): `combinations` (int), `permutations` (int), `catalan` (int), `pascal_row`
  (list of int) the n+1 binomial coefficients C(n, 0) .. C(n, n).
"""

# --- refcode ---
from math import factorial


def main_solution(n, k):
    choose = lambda a, b: factorial(a) // (factorial(b) * factorial(a - b))
    row = [1]
    for i in range(n):
        row.append(row[-1] * (n - i) // (i + 1))
    return {
        "combinations": choose(n, k),
        "permutations": factorial(n) // factorial(n - k),
        "catalan": choose(2 * n, n) // (n + 1),
        "pascal_row": row,
    }


# --- inputgen ---
import random


def input_generator():
    n = random.randint(0, 18)
    return {"n": n, "k": random.randint(0, n)}
