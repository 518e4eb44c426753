"""The unified rewrite of ``raw/fibonacci_matrix.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number theory"
PROBLEM = """\
What is the n-th Fibonacci number (F(0) = 0, F(1) = 1) modulo `mod`, computed for a possibly huge
index `n`, and after how many terms does the Fibonacci sequence modulo `mod` start repeating (its
Pisano period)?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): the index, 0 to 10**15.
  `mod` (int): the modulus, 2 to 60.
Output:
  `return` (dict): `fib_mod` (int) F(n) mod `mod`, `pisano_period` (int).
"""

# --- refcode ---
def main_solution(n, mod):
    def mul(a, b):
        return [[(a[0][0] * b[0][0] + a[0][1] * b[1][0]) % mod,
                 (a[0][0] * b[0][1] + a[0][1] * b[1][1]) % mod],
                [(a[1][0] * b[0][0] + a[1][1] * b[1][0]) % mod,
                 (a[1][0] * b[0][1] + a[1][1] * b[1][1]) % mod]]

    result, m, p = [[1, 0], [0, 1]], [[1, 1], [1, 0]], n
    while p:
        if p & 1:
            result = mul(result, m)
        m = mul(m, m)
        p >>= 1
    prev, cur, period = 0, 1, 0
    while True:
        prev, cur = cur, (prev + cur) % mod
        period += 1
        if prev == 0 and cur == 1:
            break
    return {"fib_mod": result[0][1], "pisano_period": period}


# --- inputgen ---
import random


def input_generator():
    return {"n": random.choice([random.randint(0, 50), random.randint(0, 10**15)]),
            "mod": random.randint(2, 60)}
