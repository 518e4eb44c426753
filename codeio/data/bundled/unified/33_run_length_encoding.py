"""The unified rewrite of ``raw/run_length_encoding.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "strings"
PROBLEM = """\
The text `text` is compressed with run-length encoding, writing each run of equal characters as its
length followed by the character (so "aaab" becomes "3a1b"). What is the encoded string, how many
runs are there, and what is the length of the code divided by the length of the text (rounded to 3
decimals; 1.0 for empty text)?
"""
IO_REQUIREMENTS = """\
Input:
  `text` (str): letters only, up to 40 characters.
Output:
  `return` (dict): `encoded` (str), `runs` (int), `ratio` (float).
"""

# --- refcode ---
def main_solution(text):
    runs = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1][1] += 1
        else:
            runs.append([ch, 1])
    encoded = "".join(f"{n}{ch}" for ch, n in runs)
    ratio = round(len(encoded) / len(text), 3) if text else 1.0
    return {"encoded": encoded, "runs": len(runs), "ratio": ratio}


# --- inputgen ---
import random


def input_generator():
    parts = [random.choice("abcXY") * random.randint(1, 9) for _ in range(random.randint(0, 8))]
    return {"text": "".join(parts)[:40]}
