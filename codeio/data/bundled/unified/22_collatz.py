"""The unified rewrite of ``raw/collatz.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number theory"
PROBLEM = """\
Starting from the number `start`, repeatedly halve it when even and replace it by 3n + 1 when odd,
until it reaches 1. How many steps does that take, what is the highest value reached, and which
number below `limit` needs the most steps (the smallest such number on ties)?
"""
IO_REQUIREMENTS = """\
Input:
  `start` (int): 1 to 10000.
  `limit` (int): 2 to 300.
Output:
  `return` (dict): `steps` (int), `peak` (int), `longest_below_limit` (int).
"""

# --- refcode ---
def main_solution(start, limit):
    def walk(n):
        steps, peak = 0, n
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
            peak = max(peak, n)
        return steps, peak

    steps, peak = walk(start)
    best = max(range(1, limit), key=lambda n: (walk(n)[0], -n))
    return {"steps": steps, "peak": peak, "longest_below_limit": best}


# --- inputgen ---
import random


def input_generator():
    return {"start": random.randint(1, 10000), "limit": random.randint(2, 300)}
