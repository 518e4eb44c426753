"""The unified rewrite of ``raw/nim.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "games"
PROBLEM = """\
In the game of Nim with heaps of `heaps` stones, two players alternately remove any positive number
of stones from a single heap, and whoever takes the last stone wins. What is the nim-sum (XOR) of
the heaps, which move wins for the player about to move (the first heap, from the left, that can be
reduced to make the nim-sum zero, and its new size), and who wins when both play on: the side in a
losing position takes one stone from the largest heap (leftmost on ties), the other always plays
that winning move? How many moves does the game last?
"""
IO_REQUIREMENTS = """\
Input:
  `heaps` (list of int): 1 to 6 heap sizes, each 0 to 15.
Output:
  `return` (dict): `nim_sum` (int), `winning_move` (list of int or null) [heap index, new size] or
  null when no winning move exists, `winner` (str) "first" or "second", `moves` (int).
"""

# --- refcode ---
def main_solution(heaps):
    def best_move(hs):
        s = 0
        for h in hs:
            s ^= h
        for i, h in enumerate(hs):
            if s and h ^ s < h:
                return s, [i, h ^ s]
        return s, None

    nim_sum, first_move = best_move(heaps)
    hs, moves = list(heaps), 0
    while any(hs):
        _, move = best_move(hs)
        if move is None:
            hs[hs.index(max(hs))] -= 1
        else:
            hs[move[0]] = move[1]
        moves += 1
    return {"nim_sum": nim_sum, "winning_move": first_move,
            "winner": "first" if moves % 2 else "second", "moves": moves}


# --- inputgen ---
import random


def input_generator():
    return {"heaps": [random.randint(0, 15) for _ in range(random.randint(1, 6))]}
