"""The unified rewrite of ``raw/quickselect.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "search"
PROBLEM = """\
Given a list of integers `values` and a rank `k`, what is the k-th smallest value (counting
duplicates, with k = 1 meaning the minimum)?
"""
IO_REQUIREMENTS = """\
Input:
  `values` (list of int): the numbers (1 to 18 items).
  `k` (int): the rank asked for, 1 <= k <= len(values).
Output:
  `return` (int): the k-th smallest number.
"""

# --- refcode ---
def partition(arr, lo, hi):
    mid = (lo + hi) // 2
    p = sorted([(arr[lo], lo), (arr[mid], mid), (arr[hi], hi)])[1][1]
    arr[p], arr[hi] = arr[hi], arr[p]
    pivot, store = arr[hi], lo
    for i in range(lo, hi):
        if arr[i] < pivot:
            arr[i], arr[store] = arr[store], arr[i]
            store += 1
    arr[store], arr[hi] = arr[hi], arr[store]
    return store


def main_solution(values, k):
    arr = list(values)
    lo, hi, target = 0, len(arr) - 1, k - 1
    while lo < hi:
        p = partition(arr, lo, hi)
        if p == target:
            return arr[p]
        if p < target:
            lo = p + 1
        else:
            hi = p - 1
    return arr[lo]


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 18)
    values = [random.randint(0, 99) for _ in range(n)]
    return {"values": values, "k": random.randint(1, n)}
