"""The unified rewrite of ``raw/binary_search.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "search"
PROBLEM = """\
A collection of integers `items` is kept in sorted order. For a query number `x`, at which position
would x first appear (the number of items strictly smaller than x), how many copies of x are there,
and is x present at all?
"""
IO_REQUIREMENTS = """\
Input:
  `items` (list of int): the collection, in any order (up to 19 items).
  `x` (int): the query number.
Output:
  `return` (dict): `first_index` (int) the count of items smaller than x, `count` (int) how many
  items equal x, `present` (bool) whether x occurs.
"""

# --- refcode ---
def bound(items, x, strict):
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < x or (not strict and items[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


def main_solution(items, x):
    arr = sorted(items)
    first = bound(arr, x, True)
    last = bound(arr, x, False)
    return {"first_index": first, "count": last - first, "present": last > first}


# --- inputgen ---
import random


def input_generator():
    items = [random.randint(0, 12) for _ in range(random.randint(0, 19))]
    return {"items": items, "x": random.randint(-1, 13)}
