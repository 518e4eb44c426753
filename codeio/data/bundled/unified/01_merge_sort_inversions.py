"""The unified rewrite of ``raw/merge_sort_inversions.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "sorting"
PROBLEM = """\
A list of integers `nums` is given. How many pairs of positions (i, j) with i < j hold a larger
number at i than at j, and what does the list look like in ascending order?
"""
IO_REQUIREMENTS = """\
Input:
  `nums` (list of int): the numbers, in their original order (up to 15 items).
Output:
  `return` (dict): `sorted` (list of int) the numbers in ascending order, and `inversions` (int) the
  number of out-of-order pairs.
"""

# --- refcode ---
def sort_and_count(seq):
    if len(seq) <= 1:
        return list(seq), 0
    mid = len(seq) // 2
    left, a = sort_and_count(seq[:mid])
    right, b = sort_and_count(seq[mid:])
    merged, inv, i, j = [], 0, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            inv += len(left) - i
            j += 1
    merged += left[i:] + right[j:]
    return merged, a + b + inv


def main_solution(nums):
    ordered, inversions = sort_and_count(list(nums))
    return {"sorted": ordered, "inversions": inversions}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 15)
    return {"nums": [random.randint(-50, 50) for _ in range(n)]}
