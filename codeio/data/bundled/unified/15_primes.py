"""The unified rewrite of ``raw/primes.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number theory"
PROBLEM = """\
For a whole number `n`, what is its prime factorisation, how many primes are there up to `n`, and
which pairs of twin primes (primes that differ by 2) lie at or below `n`?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): a number from 2 to 300.
Output:
  `return` (dict): `factors` (list of list of int) pairs [prime, exponent] in increasing prime order,
  `prime_count` (int) the number of primes <= n, `twin_primes` (list of list of int) the last five
  twin pairs [p, p + 2] with p + 2 <= n (fewer if there are fewer).
"""

# --- refcode ---
def main_solution(n):
    flags = [True] * (n + 1)
    flags[0] = flags[1] = False
    for p in range(2, int(n ** 0.5) + 1):
        if flags[p]:
            for q in range(p * p, n + 1, p):
                flags[q] = False
    primes = [i for i, f in enumerate(flags) if f]
    factors, m, d = [], n, 2
    while d * d <= m:
        e = 0
        while m % d == 0:
            m //= d
            e += 1
        if e:
            factors.append([d, e])
        d += 1
    if m > 1:
        factors.append([m, 1])
    twins = [[a, b] for a, b in zip(primes, primes[1:]) if b - a == 2]
    return {"factors": factors, "prime_count": len(primes), "twin_primes": twins[-5:]}


# --- inputgen ---
import random


def input_generator():
    return {"n": random.randint(2, 300)}
