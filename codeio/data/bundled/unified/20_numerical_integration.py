"""The unified rewrite of ``raw/numerical_integration.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "numerical methods"
PROBLEM = """\
The polynomial with coefficients `coeffs` (highest degree first) is integrated from `a` to `b` using
`intervals` equal sub-intervals. What are the trapezoid-rule and Simpson's-rule estimates (Simpson's
rule rounds an odd interval count up to the next even number), rounded to 6 decimals?
"""
IO_REQUIREMENTS = """\
Input:
  `coeffs` (list of int): polynomial coefficients, highest degree first (1 to 5 items).
  `a` (float): lower limit, `b` (float): upper limit.
  `intervals` (int): number of sub-intervals, 1 to 40.
Output:
  `return` (dict): `trapezoid` (float) and `simpson` (float), each rounded to 6 decimal places.
"""

# --- refcode ---
def main_solution(coeffs, a, b, intervals):
    def f(x):
        y = 0.0
        for c in coeffs:
            y = y * x + c
        return y

    h = (b - a) / intervals
    trap = h * (f(a) / 2 + sum(f(a + i * h) for i in range(1, intervals)) + f(b) / 2)
    n = intervals + intervals % 2
    h = (b - a) / n
    s = f(a) + f(b)
    s += 4 * sum(f(a + i * h) for i in range(1, n, 2))
    s += 2 * sum(f(a + i * h) for i in range(2, n, 2))
    return {"trapezoid": round(trap, 6), "simpson": round(s * h / 3, 6)}


# --- inputgen ---
import random


def input_generator():
    a = round(random.uniform(-3, 3), 2)
    return {"coeffs": [random.randint(-5, 5) for _ in range(random.randint(1, 5))],
            "a": a, "b": round(a + random.uniform(0.1, 4), 2), "intervals": random.randint(1, 40)}
