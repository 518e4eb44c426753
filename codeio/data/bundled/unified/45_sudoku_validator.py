"""The unified rewrite of ``raw/sudoku_validator.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
A partly filled 9 x 9 Sudoku grid `grid` uses 0 for empty cells. Does any row, column or 3 x 3 box
contain the same digit twice? How many of the 27 units (rows, columns, boxes) contain such a repeat,
how many cells are still empty, and is the grid a complete, correct solution?
"""
IO_REQUIREMENTS = """\
Input:
  `grid` (list of list of int): 9 rows of 9 digits, 0 to 9.
Output:
  `return` (dict): `valid` (bool) no unit has a repeated digit, `bad_units` (int), `empty` (int),
  `solved` (bool) valid and no empty cell.
"""

# --- refcode ---
def main_solution(grid):
    units = [list(row) for row in grid]
    units += [[grid[r][c] for r in range(9)] for c in range(9)]
    units += [[grid[r][c] for r in range(br, br + 3) for c in range(bc, bc + 3)]
              for br in (0, 3, 6) for bc in (0, 3, 6)]
    bad = 0
    for unit in units:
        digits = [v for v in unit if v]
        if len(digits) != len(set(digits)):
            bad += 1
    empty = sum(row.count(0) for row in grid)
    return {"valid": bad == 0, "bad_units": bad, "empty": empty, "solved": bad == 0 and empty == 0}


# --- inputgen ---
import random


def input_generator():
    digits = random.sample(range(1, 10), 9)
    rows = [g * 3 + r for g in random.sample(range(3), 3) for r in random.sample(range(3), 3)]
    cols = [g * 3 + c for g in random.sample(range(3), 3) for c in random.sample(range(3), 3)]
    grid = [[digits[(3 * (r % 3) + r // 3 + c) % 9] for c in cols] for r in rows]
    for _ in range(random.choice([0, 10, 30, 50])):
        grid[random.randrange(9)][random.randrange(9)] = 0
    for _ in range(random.choice([0, 0, 1, 2])):
        grid[random.randrange(9)][random.randrange(9)] = random.randint(1, 9)
    return {"grid": grid}
