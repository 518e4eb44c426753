"""The unified rewrite of ``raw/bowling.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
A complete ten-pin bowling game is written in the usual score-sheet notation `sheet`: frames
separated by spaces, 'X' for a strike, '/' for a spare, '-' for no pins and digits for the pins
knocked down (the tenth frame carries its bonus balls). A strike scores 10 plus the next two balls,
a spare 10 plus the next ball, other frames their pins. What is each frame's score and the total?
"""
IO_REQUIREMENTS = """\
Input:
  `sheet` (str): ten frames in the notation above, for example "X 7/ 9- X -8 8/ -6 X X X81".
Output:
  `return` (dict): `frames` (list of int) the ten frame scores, `total` (int).
"""

# --- refcode ---
def main_solution(sheet):
    rolls = []
    for ch in sheet.replace(" ", ""):
        if ch == "X":
            rolls.append(10)
        elif ch == "/":
            rolls.append(10 - rolls[-1])
        else:
            rolls.append(0 if ch == "-" else int(ch))
    frames, i = [], 0
    for _ in range(10):
        if rolls[i] == 10:
            frames.append(10 + rolls[i + 1] + rolls[i + 2])
            i += 1
        elif rolls[i] + rolls[i + 1] == 10:
            frames.append(10 + rolls[i + 2])
            i += 2
        else:
            frames.append(rolls[i] + rolls[i + 1])
            i += 2
    return {"frames": frames, "total": sum(frames)}


# --- inputgen ---
import random


def input_generator():
    def mark(first, second=None):
        a = "X" if first == 10 else ("-" if first == 0 else str(first))
        if second is None:
            return a
        return a + ("/" if first + second == 10 else "-" if second == 0 else str(second))

    frames = []
    for frame in range(10):
        first = 10 if random.random() < 0.3 else random.randint(0, 9)
        if first == 10:
            text = "X"
        else:
            second = random.randint(0, 10 - first)
            text = mark(first, second)
        if frame == 9:
            if text == "X":
                b1 = 10 if random.random() < 0.3 else random.randint(0, 9)
                b2 = random.randint(0, 10) if b1 == 10 else random.randint(0, 10 - b1)
                text += "X" + ("X" if b2 == 10 else mark(b2)) if b1 == 10 else mark(b1, b2)
            elif text.endswith("/"):
                text += mark(10 if random.random() < 0.3 else random.randint(0, 9))
        frames.append(text)
    return {"sheet": " ".join(frames)}
