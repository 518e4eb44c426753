"""The unified rewrite of ``raw/gcd_lcm.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number theory"
PROBLEM = """\
For a list of positive integers `numbers`, what are their greatest common divisor and least common
multiple, and for the first two numbers a and b, which integers x and y found by the extended
Euclidean algorithm satisfy a*x + b*y = gcd(a, b)?
"""
IO_REQUIREMENTS = """\
Input:
  `numbers` (list of int): 2 to 6 positive integers, each at most 1000.
Output:
  `return` (dict): `gcd` (int), `lcm` (int), `bezout` (list of int) the pair [x, y] given by the
  standard iterative extended Euclidean algorithm on the first two numbers.
"""

# --- refcode ---
def main_solution(numbers):
    def gcd(a, b):
        while b:
            a, b = b, a % b
        return a

    g, l = numbers[0], numbers[0]
    for x in numbers[1:]:
        g = gcd(g, x)
        l = l * x // gcd(l, x)
    old_r, r, old_s, s, old_t, t = numbers[0], numbers[1], 1, 0, 0, 1
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
        old_t, t = t, old_t - q * t
    return {"gcd": g, "lcm": l, "bezout": [old_s, old_t]}


# --- inputgen ---
import random


def input_generator():
    base = random.choice([1, 2, 3, 6, 10, 12])
    return {"numbers": [base * random.randint(1, 80) for _ in range(random.randint(2, 6))]}
