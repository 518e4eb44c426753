"""The unified rewrite of ``raw/edit_distance.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
What is the smallest total cost of turning the word `source` into the word `target`, when inserting
a character costs `ins_cost`, deleting one costs `del_cost` and replacing one with a different
character costs `sub_cost`?
"""
IO_REQUIREMENTS = """\
Input:
  `source` (str): the starting word (lowercase, up to 12 letters).
  `target` (str): the word to reach (lowercase, up to 12 letters).
  `ins_cost` (int): cost of one insertion, `del_cost` (int): cost of one deletion, `sub_cost` (int):
  cost of one substitution; each between 1 and 3.
Output:
  `return` (int): the minimum total cost.
"""

# --- refcode ---
def main_solution(source, target, ins_cost, del_cost, sub_cost):
    prev = [j * ins_cost for j in range(len(target) + 1)]
    for i in range(1, len(source) + 1):
        cur = [i * del_cost] + [0] * len(target)
        for j in range(1, len(target) + 1):
            same = source[i - 1] == target[j - 1]
            cur[j] = min(prev[j] + del_cost, cur[j - 1] + ins_cost,
                         prev[j - 1] + (0 if same else sub_cost))
        prev = cur
    return prev[-1]


# --- inputgen ---
import random


def input_generator():
    word = lambda: "".join(random.choice("abcde") for _ in range(random.randint(0, 12)))
    return {"source": word(), "target": word(), "ins_cost": random.randint(1, 3),
            "del_cost": random.randint(1, 3), "sub_cost": random.randint(1, 3)}
