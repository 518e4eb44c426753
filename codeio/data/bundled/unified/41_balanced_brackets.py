"""The unified rewrite of ``raw/balanced_brackets.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "parsing"
PROBLEM = """\
Are the brackets (), [] and {} in the string `text` balanced and properly nested (other characters
are ignored)? If not, at which position is the first problem: a closing bracket with no matching
opener, or, if the text ends with unclosed brackets, the earliest unclosed opener? How deeply are
the brackets nested at most (counting only openers still open)?
"""
IO_REQUIREMENTS = """\
Input:
  `text` (str): up to 40 characters.
Output:
  `return` (dict): `balanced` (bool), `error_index` (int, -1 when balanced), `max_depth` (int) the
  greatest number of open brackets at any point up to the first error (or the end).
"""

# --- refcode ---
def main_solution(text):
    match = {")": "(", "]": "[", "}": "{"}
    stack, depth = [], 0
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append((ch, i))
            depth = max(depth, len(stack))
        elif ch in match:
            if not stack or stack[-1][0] != match[ch]:
                return {"balanced": False, "error_index": i, "max_depth": depth}
            stack.pop()
    if stack:
        return {"balanced": False, "error_index": stack[0][1], "max_depth": depth}
    return {"balanced": True, "error_index": -1, "max_depth": depth}


# --- inputgen ---
import random


def input_generator():
    def balanced(depth):
        if depth == 0 or random.random() < 0.3:
            return random.choice(["", "x", "a1"])
        o, c = random.choice(["()", "[]", "{}"])
        return o + balanced(depth - 1) + c + balanced(depth - 1)

    text = balanced(4)[:40]
    if text and random.random() < 0.5:
        i = random.randrange(len(text))
        text = text[:i] + random.choice("()[]{}") + text[i + 1:]
    return {"text": text}
