"""The unified rewrite of ``raw/tic_tac_toe.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
A tic-tac-toe board is given as three rows `rows` of 'X', 'O' and '.' (empty). X always moves first
and play stops as soon as someone has three in a row. What is the state of the game: "X wins", "O
wins", "draw", "X to move", "O to move", or "invalid" when the position cannot arise in a real game?
Also, how many of the eight lines are complete for the winner (0 when nobody won)?
"""
IO_REQUIREMENTS = """\
Input:
  `rows` (list of str): three strings of three characters from "XO.".
Output:
  `return` (dict): `status` (str) one of the six states, `winning_lines` (int).
"""

# --- refcode ---
LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def main_solution(rows):
    cells = "".join(rows)
    x, o = cells.count("X"), cells.count("O")
    xw = sum(all(cells[i] == "X" for i in line) for line in LINES)
    ow = sum(all(cells[i] == "O" for i in line) for line in LINES)
    if x not in (o, o + 1) or (xw and ow) or (xw and x != o + 1) or (ow and x != o):
        return {"status": "invalid", "winning_lines": 0}
    if xw or ow:
        return {"status": "X wins" if xw else "O wins", "winning_lines": xw + ow}
    if x + o == 9:
        return {"status": "draw", "winning_lines": 0}
    return {"status": "X to move" if x == o else "O to move", "winning_lines": 0}


# --- inputgen ---
import random


def input_generator():
    cells = ["."] * 9
    if random.random() < 0.15:
        cells = [random.choice("XO.") for _ in range(9)]
    else:
        order = random.sample(range(9), random.randint(0, 9))
        for turn, cell in enumerate(order):
            cells[cell] = "XO"[turn % 2]
    text = "".join(cells)
    return {"rows": [text[0:3], text[3:6], text[6:9]]}
