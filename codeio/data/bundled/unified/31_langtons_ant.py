"""The unified rewrite of ``raw/langtons_ant.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
Langton's ant walks on a `size` x `size` board of white cells that wraps around at the edges,
starting in the middle cell (row and column size // 2) facing up. On a white cell it turns right, on
a black cell left; it then flips the cell's colour and moves one cell forward. After `steps` moves,
how many cells are black, where is the ant and which way is it facing?
"""
IO_REQUIREMENTS = """\
Input:
  `size` (int): board side, 3 to 15.
  `steps` (int): number of moves, 0 to 2000.
Output:
  `return` (dict): `black` (int), `row` (int), `col` (int), `facing` (str) one of "U", "R", "D",
  "L".
"""

# --- refcode ---
def main_solution(size, steps):
    black = [[False] * size for _ in range(size)]
    r = c = size // 2
    heading = 0
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    for _ in range(steps):
        heading = (heading + (-1 if black[r][c] else 1)) % 4
        black[r][c] = not black[r][c]
        r, c = (r + moves[heading][0]) % size, (c + moves[heading][1]) % size
    return {"black": sum(map(sum, black)), "row": r, "col": c, "facing": "URDL"[heading]}


# --- inputgen ---
import random


def input_generator():
    return {"size": random.randint(3, 15), "steps": random.randint(0, 2000)}
