"""The unified rewrite of ``raw/game_of_life.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
A board for Conway's Game of Life is given as rows of text `board`, '#' for a live cell and '.' for
a dead one; cells beyond the edges count as dead. A live cell with two or three live neighbours
survives, a dead cell with exactly three comes alive, every other cell is dead next generation. What
does the board look like after `generations` steps, and how many cells live?
"""
IO_REQUIREMENTS = """\
Input:
  `board` (list of str): equal-length rows of '#' and '.', up to 8 rows of up to 8 characters.
  `generations` (int): number of steps, 0 to 10.
Output:
  `return` (dict): `board` (list of str) the final rows in the same notation, `population` (int)
  the number of live cells at the end.
"""

# --- refcode ---
def main_solution(board, generations):
    grid = [[ch == "#" for ch in row] for row in board]
    rows, cols = len(grid), len(grid[0])
    for _ in range(generations):
        nxt = []
        for r in range(rows):
            line = []
            for c in range(cols):
                n = sum(grid[rr][cc] for rr in range(max(r - 1, 0), min(r + 2, rows))
                        for cc in range(max(c - 1, 0), min(c + 2, cols))) - grid[r][c]
                line.append(n == 3 or (grid[r][c] and n == 2))
            nxt.append(line)
        grid = nxt
    return {"board": ["".join("#" if x else "." for x in row) for row in grid],
            "population": sum(map(sum, grid))}


# --- inputgen ---
import random


def input_generator():
    rows, cols, p = random.randint(3, 8), random.randint(3, 8), random.uniform(0.2, 0.5)
    board = ["".join("#" if random.random() < p else "." for _ in range(cols)) for _ in range(rows)]
    return {"board": board, "generations": random.randint(0, 10)}
