"""The unified rewrite of ``raw/matrix_ops.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "linear algebra"
PROBLEM = """\
For an integer square matrix `matrix`, what is the product of the matrix with its own transpose, and
what is its determinant?
"""
IO_REQUIREMENTS = """\
Input:
  `matrix` (list of list of int): an n x n matrix, 1 <= n <= 4, entries from -9 to 9.
Output:
  `return` (dict): `gram` (list of list of int) the matrix times its transpose, `determinant` (int)
  the determinant (exact; computed with fractions).
"""

# --- refcode ---
from fractions import Fraction


def main_solution(matrix):
    n = len(matrix)
    gram = [[sum(matrix[i][k] * matrix[j][k] for k in range(n)) for j in range(n)]
            for i in range(n)]
    a = [[Fraction(x) for x in row] for row in matrix]
    det = Fraction(1)
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            det = Fraction(0)
            break
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
            det = -det
        det *= a[col][col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            for c in range(col, n):
                a[r][c] -= f * a[col][c]
    return {"gram": gram, "determinant": int(det)}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 4)
    return {"matrix": [[random.randint(-9, 9) for _ in range(n)] for _ in range(n)]}
