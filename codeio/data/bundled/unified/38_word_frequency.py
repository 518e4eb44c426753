"""The unified rewrite of ``raw/word_frequency.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "text processing"
PROBLEM = """\
In the text `text`, words are runs of letters and apostrophes, compared in lowercase. Leaving out
the stop words "the a an and of to in is it" when `skip_stop_words` is true, which `top_n` words
occur most often (more frequent first, then alphabetically), and how many distinct words are
counted?
"""
IO_REQUIREMENTS = """\
Input:
  `text` (str): up to 99 characters of English text.
  `top_n` (int): 1 to 5.
  `skip_stop_words` (bool).
Output:
  `return` (dict): `top` (list of list) pairs [word (str), count (int)], at most top_n of them;
  `distinct` (int) the number of distinct counted words.
"""

# --- refcode ---
import re

STOP = ("the", "a", "an", "and", "of", "to", "in", "is", "it")


def main_solution(text, top_n, skip_stop_words):
    counts = {}
    for w in re.findall(r"[a-z']+", text.lower()):
        if skip_stop_words and w in STOP:
            continue
        counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"top": [[w, c] for w, c in ranked[:top_n]], "distinct": len(counts)}


# --- inputgen ---
import random


def input_generator():
    vocab = ["it", "was", "the", "best", "of", "times", "worst", "age", "wisdom", "a", "and",
             "don't", "is", "to", "in", "light", "dark", "spring", "hope"]
    words, length = [], 0
    while length < random.randint(10, 90):
        words.append(random.choice(vocab))
        length += len(words[-1]) + 1
    text = " ".join(words).capitalize() + "."
    return {"text": text[:99], "top_n": random.randint(1, 5), "skip_stop_words": random.random() < 0.5}
