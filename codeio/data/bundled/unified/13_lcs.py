"""The unified rewrite of ``raw/lcs.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
Two DNA-like strings `first` and `second` are compared. What is a longest sequence of characters
that appears in both, in order but not necessarily contiguously (the one found by walking the
standard table back from the end, preferring to drop a character of `first` on ties), and how many
characters of each string are left out of it?
"""
IO_REQUIREMENTS = """\
Input:
  `first` (str): letters from "ACGT", up to 15 characters.
  `second` (str): letters from "ACGT", up to 15 characters.
Output:
  `return` (dict): `common` (str) the common subsequence, `only_first` (int) and `only_second`
  (int) the number of characters of each string not in it.
"""

# --- refcode ---
def main_solution(first, second):
    m, n = len(first), len(second)
    t = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m):
        for j in range(n):
            if first[i] == second[j]:
                t[i + 1][j + 1] = t[i][j] + 1
            else:
                t[i + 1][j + 1] = max(t[i][j + 1], t[i + 1][j])
    i, j, out = m, n, []
    while i and j:
        if first[i - 1] == second[j - 1]:
            out.append(first[i - 1])
            i, j = i - 1, j - 1
        elif t[i - 1][j] >= t[i][j - 1]:
            i -= 1
        else:
            j -= 1
    common = "".join(reversed(out))
    return {"common": common, "only_first": m - len(common), "only_second": n - len(common)}


# --- inputgen ---
import random


def input_generator():
    dna = lambda: "".join(random.choice("ACGT") for _ in range(random.randint(0, 15)))
    return {"first": dna(), "second": dna()}
