"""The unified rewrite of ``raw/newton_method.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "numerical methods"
PROBLEM = """\
Newton's method is applied to the polynomial with coefficients `coeffs` (highest degree first),
starting from the guess `x0`, stopping when a step moves less than 1e-10 or after 60 steps. Where
does it end (rounded to 6 decimals), how many steps does it take, and did it stop because a step was
small? If the derivative becomes zero, it stops there without converging.
"""
IO_REQUIREMENTS = """\
Input:
  `coeffs` (list of int): polynomial coefficients, highest degree first (2 to 5 items).
  `x0` (float): the starting guess.
Output:
  `return` (dict): `root` (float) the final estimate rounded to 6 decimals, `steps` (int) the number
  of Newton steps taken, `converged` (bool).
"""

# --- refcode ---
def main_solution(coeffs, x0):
    def ev(cs, x):
        y = 0.0
        for c in cs:
            y = y * x + c
        return y

    deg = len(coeffs) - 1
    deriv = [c * (deg - i) for i, c in enumerate(coeffs[:-1])]
    x = float(x0)
    for step in range(1, 61):
        d = ev(deriv, x)
        if d == 0:
            return {"root": round(x, 6), "steps": step - 1, "converged": False}
        nx = x - ev(coeffs, x) / d
        if abs(nx - x) < 1e-10:
            return {"root": round(nx, 6), "steps": step, "converged": True}
        x = nx
        if abs(x) > 1e12:
            break
    return {"root": round(x, 6), "steps": step, "converged": False}


# --- inputgen ---
import random


def input_generator():
    coeffs = [random.choice([-2, -1, 1, 2])] + [random.randint(-6, 6) for _ in range(random.randint(1, 4))]
    return {"coeffs": coeffs, "x0": round(random.uniform(-5, 5), 2)}
