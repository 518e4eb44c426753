"""The unified rewrite of ``raw/longest_increasing_subsequence.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
From a sequence of integers `nums`, pick elements keeping their order so that each picked value is
strictly larger than the previous one. What is the longest such pick? When several picks have the
greatest length, report the one whose last element appears earliest in `nums`, built by always
extending the first-found best predecessor.
"""
IO_REQUIREMENTS = """\
Input:
  `nums` (list of int): the sequence (up to 16 items).
Output:
  `return` (dict): `length` (int) the length of the longest strictly increasing subsequence and
  `subsequence` (list of int) one such subsequence as described.
"""

# --- refcode ---
def main_solution(nums):
    n = len(nums)
    if n == 0:
        return {"length": 0, "subsequence": []}
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if nums[j] < nums[i] and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
                prev[i] = j
    end = max(range(n), key=lambda i: (best[i], -i))
    out = []
    while end != -1:
        out.append(nums[end])
        end = prev[end]
    return {"length": max(best), "subsequence": out[::-1]}


# --- inputgen ---
import random


def input_generator():
    return {"nums": [random.randint(0, 30) for _ in range(random.randint(0, 16))]}
