"""The unified rewrite of ``raw/roman_numerals.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number bases"
PROBLEM = """\
The year `year` is written in Roman numerals in the standard subtractive form (IV, IX, XL, XC, CD,
CM). What is that numeral, how many symbols does it use, and what number does the Roman numeral
`numeral` stand for (adding each symbol's value, or subtracting it when a larger symbol follows)?
"""
IO_REQUIREMENTS = """\
Input:
  `year` (int): 1 to 3999.
  `numeral` (str): a Roman numeral in standard form for a number from 1 to 3999.
Output:
  `return` (dict): `roman` (str), `length` (int), `value` (int) the value of `numeral`.
"""

# --- refcode ---
PAIRS = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def main_solution(year, numeral):
    out, n = "", year
    for value, sym in PAIRS:
        count, n = divmod(n, value)
        out += sym * count
    single = {s: v for v, s in PAIRS if len(s) == 1}
    total = 0
    for i, ch in enumerate(numeral):
        v = single[ch]
        nxt = single[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -v if nxt > v else v
    return {"roman": out, "length": len(out), "value": total}


# --- inputgen ---
import random


def input_generator():
    pairs = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    n, numeral = random.randint(1, 3999), ""
    for value, sym in pairs:
        count, n = divmod(n, value)
        numeral += sym * count
    return {"year": random.randint(1, 3999), "numeral": numeral}
