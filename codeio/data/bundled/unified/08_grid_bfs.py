"""The unified rewrite of ``raw/grid_bfs.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "graphs"
PROBLEM = """\
A maze is drawn as rows of text `grid`: '#' is a wall, '.' is open floor, 'S' is the start and 'E'
the exit. Moving one cell up, down, left or right takes one step. What is the least number of steps
from S to E, or -1 if the exit cannot be reached?
"""
IO_REQUIREMENTS = """\
Input:
  `grid` (list of str): equal-length rows (up to 8 rows of up to 8 characters) containing exactly
  one 'S' and one 'E'.
Output:
  `return` (int): the minimum number of steps, -1 when unreachable.
"""

# --- refcode ---
from collections import deque


def main_solution(grid):
    cells = {(r, c): ch for r, row in enumerate(grid) for c, ch in enumerate(row)}
    start = next(p for p, ch in cells.items() if ch == "S")
    dist = {start: 0}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        if cells[(r, c)] == "E":
            return dist[(r, c)]
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if cells.get(nxt, "#") != "#" and nxt not in dist:
                dist[nxt] = dist[(r, c)] + 1
                queue.append(nxt)
    return -1


# --- inputgen ---
import random


def input_generator():
    rows, cols = random.randint(2, 8), random.randint(2, 8)
    grid = [["#" if random.random() < 0.3 else "." for _ in range(cols)] for _ in range(rows)]
    spots = random.sample([(r, c) for r in range(rows) for c in range(cols)], 2)
    grid[spots[0][0]][spots[0][1]] = "S"
    grid[spots[1][0]][spots[1][1]] = "E"
    return {"grid": ["".join(row) for row in grid]}
