"""The unified rewrite of ``raw/anagrams.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "strings"
PROBLEM = """\
The words in `words` are grouped so that words made of the same letters (ignoring case) are in one
group. Which groups have at least two words, and are the two phrases `phrase_a` and `phrase_b`
anagrams of each other when only their letters count (ignoring case, spaces and punctuation)?
"""
IO_REQUIREMENTS = """\
Input:
  `words` (list of str): up to 15 lowercase words.
  `phrase_a` (str), `phrase_b` (str): short phrases, up to 30 characters.
Output:
  `return` (dict): `groups` (list of list of str) each group's words sorted (duplicates kept), groups
  ordered by their first word; `phrases_match` (bool).
"""

# --- refcode ---
def main_solution(words, phrase_a, phrase_b):
    groups = {}
    for w in words:
        groups.setdefault("".join(sorted(w.lower())), []).append(w)
    found = sorted(sorted(g) for g in groups.values() if len(g) >= 2)
    letters = lambda s: sorted(ch for ch in s.lower() if ch.isalpha())
    return {"groups": found, "phrases_match": letters(phrase_a) == letters(phrase_b)}


# --- inputgen ---
import random


def input_generator():
    pool = ["listen", "silent", "enlist", "tinsel", "cat", "act", "tac", "dog", "god", "stone",
            "tones", "notes", "onset", "apple", "paper", "night", "thing", "evil", "vile", "live"]
    phrases = [("Dormitory", "dirty room"), ("The eyes", "they see"), ("Astronomer", "moon starer"),
               ("Listen", "Silent!"), ("hello", "world"), ("Conversation", "voices rant on"), ("abc", "abd")]
    a, b = random.choice(phrases)
    if random.random() < 0.3:
        a, b = b, a
    return {"words": random.sample(pool, random.randint(0, 15)), "phrase_a": a, "phrase_b": b}
