"""The unified rewrite of ``raw/perfect_numbers.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number theory"
PROBLEM = """\
For the number `n`, how many divisors does it have, what is its largest divisor other than itself,
and is it perfect (its proper divisors add up to exactly n), abundant (they add up to more) or
deficient (less)?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): 1 to 10000.
Output:
  `return` (dict): `divisor_count` (int) the number of divisors including 1 and n,
  `largest_proper` (int) the largest divisor below n (0 for n = 1), `aliquot_sum` (int) the sum of
  the proper divisors, `kind` (str) one of "perfect", "abundant", "deficient".
"""

# --- refcode ---
def main_solution(n):
    small, large, d = [], [], 1
    while d * d <= n:
        if n % d == 0:
            small.append(d)
            if d != n // d:
                large.append(n // d)
        d += 1
    divisors = small + large[::-1]
    s = sum(divisors) - n
    kind = "perfect" if s == n else ("abundant" if s > n else "deficient")
    return {"divisor_count": len(divisors), "largest_proper": max(divisors[:-1], default=0),
            "aliquot_sum": s, "kind": kind}


# --- inputgen ---
import random


def input_generator():
    return {"n": random.choice([6, 28, 496, 8128, random.randint(1, 200), random.randint(1, 10000)])}
