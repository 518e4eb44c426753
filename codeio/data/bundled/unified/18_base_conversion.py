"""The unified rewrite of ``raw/base_conversion.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "number bases"
PROBLEM = """\
The numeral `text` is written in base `source_base` (digits 0-9 then A-Z, possibly with a leading
minus sign). How is the same number written in base `target_base`, and what is its value in decimal?
"""
IO_REQUIREMENTS = """\
Input:
  `text` (str): the numeral, digits valid for source_base, optional leading '-'.
  `source_base` (int): 2 to 36.
  `target_base` (int): 2 to 36.
Output:
  `return` (dict): `converted` (str) the numeral in target_base using uppercase digits and a leading
  '-' for negatives, `decimal` (int) its value.
"""

# --- refcode ---
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def main_solution(text, source_base, target_base):
    text = text.strip().upper()
    sign = -1 if text.startswith("-") else 1
    value = 0
    for ch in text.lstrip("-"):
        value = value * source_base + DIGITS.index(ch)
    value *= sign
    n, out = abs(value), []
    while n:
        n, r = divmod(n, target_base)
        out.append(DIGITS[r])
    converted = ("-" if value < 0 else "") + ("".join(reversed(out)) or "0")
    return {"converted": converted, "decimal": value}


# --- inputgen ---
import random


def input_generator():
    src = random.randint(2, 36)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:src]
    text = "".join(random.choice(digits) for _ in range(random.randint(1, 8)))
    if random.random() < 0.2:
        text = "-" + text
    return {"text": text, "source_base": src, "target_base": random.randint(2, 36)}
