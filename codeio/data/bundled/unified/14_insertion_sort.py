"""The unified rewrite of ``raw/insertion_sort.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "sorting"
PROBLEM = """\
Cards with the numbers `cards` are sorted by insertion: each card in turn is moved left past every
earlier card that should come after it. The order is ascending, or descending when `descending` is
true. What is the final order, how many comparisons are made and how many times is a card shifted
one place?
"""
IO_REQUIREMENTS = """\
Input:
  `cards` (list of int): the numbers in their starting order (up to 15).
  `descending` (bool): sort from largest to smallest when true.
Output:
  `return` (dict): `order` (list of int), `comparisons` (int), `shifts` (int).
"""

# --- refcode ---
def main_solution(cards, descending):
    a = list(cards)
    comparisons = shifts = 0
    for i in range(1, len(a)):
        cur, j = a[i], i - 1
        while j >= 0:
            comparisons += 1
            misplaced = a[j] < cur if descending else a[j] > cur
            if not misplaced:
                break
            a[j + 1] = a[j]
            shifts += 1
            j -= 1
        a[j + 1] = cur
    return {"order": a, "comparisons": comparisons, "shifts": shifts}


# --- inputgen ---
import random


def input_generator():
    cards = [random.randint(1, 13) for _ in range(random.randint(0, 15))]
    return {"cards": cards, "descending": random.random() < 0.5}
