"""The unified rewrite of ``raw/vigenere_cipher.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "ciphers"
PROBLEM = """\
A text `text` is processed with the Vigenère cipher under the keyword `keyword`: the i-th letter of
the text (counting only ASCII letters) is shifted by the alphabet position (A = 0) of the i-th
letter of the keyword, repeating the keyword as needed; case is kept and other characters are
copied. Shifts go forward when `mode` is "encrypt" and backward when it is "decrypt". What is the
result?
"""
IO_REQUIREMENTS = """\
Input:
  `text` (str): up to 60 characters.
  `keyword` (str): 1 to 10 letters.
  `mode` (str): "encrypt" or "decrypt".
Output:
  `return` (str): the transformed text.
"""

# --- refcode ---
def main_solution(text, keyword, mode):
    sign = 1 if mode == "encrypt" else -1
    shifts = [ord(k) - ord("A") for k in keyword.upper()]
    out, i = [], 0
    for ch in text:
        if ch.isascii() and ch.isalpha():
            base = ord("A") if ch.isupper() else ord("a")
            out.append(chr((ord(ch) - base + sign * shifts[i % len(shifts)]) % 26 + base))
            i += 1
        else:
            out.append(ch)
    return "".join(out)


# --- inputgen ---
import random
import string


def input_generator():
    alphabet = string.ascii_letters + "  ,.!"
    text = "".join(random.choice(alphabet) for _ in range(random.randint(0, 60)))
    keyword = "".join(random.choice(string.ascii_uppercase) for _ in range(random.randint(1, 10)))
    return {"text": text, "keyword": keyword, "mode": random.choice(["encrypt", "decrypt"])}
