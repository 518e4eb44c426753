"""The unified rewrite of ``raw/coin_change.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "dynamic programming"
PROBLEM = """\
A country mints coins of the values in `coins`, with an unlimited supply of each. For the sum
`amount`, what is the fewest number of coins that pays it exactly (or -1 if impossible), in how many
different ways (ignoring order) can it be paid, and does paying greedily with the largest coin first
reach the fewest number?
"""
IO_REQUIREMENTS = """\
Input:
  `coins` (list of int): distinct positive coin values (1 to 6 items).
  `amount` (int): the sum to pay, 0 to 200.
Output:
  `return` (dict): `min_coins` (int, -1 when impossible), `ways` (int) the number of combinations,
  `greedy_optimal` (bool) whether the largest-first greedy payment pays exactly with min_coins coins.
"""

# --- refcode ---
def main_solution(coins, amount):
    coins = sorted(set(coins))
    inf = amount + 1
    best = [0] + [inf] * amount
    for a in range(1, amount + 1):
        for c in coins:
            if c <= a and best[a - c] + 1 < best[a]:
                best[a] = best[a - c] + 1
    ways = [1] + [0] * amount
    for c in coins:
        for a in range(c, amount + 1):
            ways[a] += ways[a - c]
    left, used = amount, 0
    for c in reversed(coins):
        used += left // c
        left %= c
    min_coins = -1 if best[amount] == inf else best[amount]
    return {"min_coins": min_coins, "ways": ways[amount],
            "greedy_optimal": left == 0 and used == min_coins}


# --- inputgen ---
import random


def input_generator():
    coins = random.sample(range(1, 30), random.randint(1, 6))
    return {"coins": coins, "amount": random.randint(0, 200)}
