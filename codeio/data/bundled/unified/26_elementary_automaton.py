"""The unified rewrite of ``raw/elementary_automaton.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
A row of cells `cells` (a string of '0' and '1') evolves under Wolfram's elementary rule number
`rule`: each cell's next state is bit number (4*left + 2*self + right) of the rule, with the row
wrapping around at both ends. What is the row after `steps` steps, and how many live cells are there
after each step (starting with the initial row)?
"""
IO_REQUIREMENTS = """\
Input:
  `cells` (str): '0'/'1' characters, 3 to 40 of them.
  `rule` (int): 0 to 255.
  `steps` (int): 0 to 15.
Output:
  `return` (dict): `final` (str) the row after the last step, `live_counts` (list of int) the
  number of '1' cells in the initial row and after each step (steps + 1 numbers).
"""

# --- refcode ---
def main_solution(cells, rule, steps):
    row = [int(ch) for ch in cells]
    n = len(row)
    counts = [sum(row)]
    for _ in range(steps):
        row = [(rule >> (4 * row[i - 1] + 2 * row[i] + row[(i + 1) % n])) & 1 for i in range(n)]
        counts.append(sum(row))
    return {"final": "".join(map(str, row)), "live_counts": counts}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(3, 40)
    cells = "".join(random.choice("0001") for _ in range(n))
    return {"cells": cells, "rule": random.choice([30, 90, 110, 184, random.randint(0, 255)]),
            "steps": random.randint(0, 15)}
