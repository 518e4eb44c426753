"""The unified rewrite of ``raw/n_queens.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
In how many ways can `n` queens be placed on an n x n chessboard so that no two attack each other,
and, listing each placement as the column of the queen in every row from top to bottom, which
placement comes first in lexicographic order?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): board size, 1 to 8.
Output:
  `return` (dict): `count` (int) the number of placements, `first` (list of int or null) the
  0-based columns of the lexicographically first placement, null when there is none.
"""

# --- refcode ---
def main_solution(n):
    count, first, cols = 0, None, []

    def place(row, used, d1, d2):
        nonlocal count, first
        if row == n:
            count += 1
            if first is None:
                first = list(cols)
            return
        for c in range(n):
            if c in used or (row - c) in d1 or (row + c) in d2:
                continue
            cols.append(c)
            place(row + 1, used | {c}, d1 | {row - c}, d2 | {row + c})
            cols.pop()

    place(0, frozenset(), frozenset(), frozenset())
    return {"count": count, "first": first}


# --- inputgen ---
import random


def input_generator():
    return {"n": random.randint(1, 8)}
