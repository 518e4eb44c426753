"""The unified rewrite of ``raw/caesar_cipher.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "ciphers"
PROBLEM = """\
The message `message` is encrypted with a Caesar shift of `key` (letters move forward in the
alphabet, wrapping around, keeping case; other characters stay). Then a code breaker guesses the key
by assuming that the most frequent letter of the ciphertext (case-insensitive, the alphabetically
first on ties) stands for 'e'. What is the ciphertext, what key does the code breaker guess, and
does the guess recover the message?
"""
IO_REQUIREMENTS = """\
Input:
  `message` (str): an English sentence, up to 80 characters.
  `key` (int): the shift, 0 to 25.
Output:
  `return` (dict): `ciphertext` (str), `guessed_key` (int, 0 when there are no letters), `cracked`
  (bool) whether decrypting with the guessed key gives back the message.
"""

# --- refcode ---
def main_solution(message, key):
    def shift(text, k):
        out = []
        for ch in text:
            if "a" <= ch <= "z":
                ch = chr((ord(ch) - 97 + k) % 26 + 97)
            elif "A" <= ch <= "Z":
                ch = chr((ord(ch) - 65 + k) % 26 + 65)
            out.append(ch)
        return "".join(out)

    cipher = shift(message, key)
    counts = {}
    for ch in cipher.lower():
        if "a" <= ch <= "z":
            counts[ch] = counts.get(ch, 0) + 1
    guess = 0
    if counts:
        top = min(counts, key=lambda c: (-counts[c], c))
        guess = (ord(top) - ord("e")) % 26
    return {"ciphertext": cipher, "guessed_key": guess, "cracked": shift(cipher, -guess) == message}


# --- inputgen ---
import random


def input_generator():
    words = ["the", "tree", "seven", "meet", "me", "river", "green", "sleep", "quiz", "box", "jumps", "Here"]
    message = " ".join(random.choice(words) for _ in range(random.randint(1, 9)))
    return {"message": message + random.choice(["", ".", "!"]), "key": random.randint(0, 25)}
