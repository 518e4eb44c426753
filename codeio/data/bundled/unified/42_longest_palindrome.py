"""The unified rewrite of ``raw/longest_palindrome.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "strings"
PROBLEM = """\
In the string `s`, what is the longest contiguous piece that reads the same forwards and backwards
(the leftmost one if several are equally long), and how many contiguous pieces, counted by position,
are palindromes?
"""
IO_REQUIREMENTS = """\
Input:
  `s` (str): lowercase letters, up to 40 characters.
Output:
  `return` (dict): `longest` (str) the longest palindromic substring ("" for empty s), `count` (int)
  the number of palindromic substrings counted with their positions.
"""

# --- refcode ---
def main_solution(s):
    best, count = (0, 0), 0
    for center in range(2 * len(s) - 1):
        lo, hi = center // 2, center // 2 + center % 2
        while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
            count += 1
            lo -= 1
            hi += 1
        if hi - lo - 1 > best[1] - best[0]:
            best = (lo + 1, hi)
    return {"longest": s[best[0]:best[1]], "count": count}


# --- inputgen ---
import random


def input_generator():
    letters = random.choice(["ab", "abc", "abcd", "xyz"])
    s = "".join(random.choice(letters) for _ in range(random.randint(0, 20)))
    if s and random.random() < 0.4:
        s = s + s[::-1][random.randint(0, 1):]
    return {"s": s[:40]}
