"""The unified rewrite of ``raw/knight_moves.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
On a `size` x `size` chessboard with files a, b, c, ... and ranks 1, 2, 3, ..., a knight starts on
square `start` and must reach square `target` without ever landing on a square in `blocked`. What is
the smallest number of moves, or null if it cannot get there?
"""
IO_REQUIREMENTS = """\
Input:
  `size` (int): 4 to 8.
  `start` (str), `target` (str): square names such as "a1" within the board; never blocked.
  `blocked` (list of str): up to 10 square names.
Output:
  `return` (int or null): the minimum number of knight moves.
"""

# --- refcode ---
from collections import deque


def main_solution(size, start, target, blocked):
    sq = lambda name: (ord(name[0]) - ord("a"), int(name[1:]) - 1)
    goal, walls = sq(target), {sq(b) for b in blocked}
    dist = {sq(start): 0}
    queue = deque([sq(start)])
    while queue:
        x, y = queue.popleft()
        if (x, y) == goal:
            return dist[(x, y)]
        for dx, dy in ((1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)):
            nxt = (x + dx, y + dy)
            if 0 <= nxt[0] < size and 0 <= nxt[1] < size and nxt not in dist and nxt not in walls:
                dist[nxt] = dist[(x, y)] + 1
                queue.append(nxt)
    return None


# --- inputgen ---
import random


def input_generator():
    size = random.randint(4, 8)
    squares = [f"{chr(97 + f)}{r + 1}" for f in range(size) for r in range(size)]
    picked = random.sample(squares, 2 + random.randint(0, 10))
    return {"size": size, "start": picked[0], "target": picked[1], "blocked": picked[2:]}
