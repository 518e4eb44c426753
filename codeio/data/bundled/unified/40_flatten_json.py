"""The unified rewrite of ``raw/flatten_json.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "data processing"
PROBLEM = """\
A nested JSON document `document` (objects and arrays) is flattened into a single-level mapping:
each leaf value gets a key made of the path to it joined with `separator`, using array positions as
path parts. Empty objects and arrays produce no keys. What is the flat mapping (keys in sorted
order), and how deep is the deepest leaf (top-level keys have depth 1)?
"""
IO_REQUIREMENTS = """\
Input:
  `document` (dict): nested dicts and lists with string, int, bool or null leaves; at most 12 leaves.
  `separator` (str): one of ".", "/", "_".
Output:
  `return` (dict): `flat` (dict, path str -> leaf value) and `max_depth` (int, 0 when there is no
  leaf).
"""

# --- refcode ---
def main_solution(document, separator):
    flat, depth = {}, 0

    def walk(node, path):
        nonlocal depth
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            flat[separator.join(path)] = node
            depth = max(depth, len(path))
            return
        for key, value in items:
            walk(value, path + [str(key)])

    walk(document, [])
    return {"flat": {k: flat[k] for k in sorted(flat)}, "max_depth": depth}


# --- inputgen ---
import random


def input_generator():
    budget = [random.randint(1, 12)]
    keys = ["id", "name", "tags", "meta", "x", "y", "on", "user", "city", "v"]

    def leaf():
        budget[0] -= 1
        return random.choice([random.randint(-99, 99), random.choice(keys), True, False, None])

    def node(depth):
        if depth > 3 or budget[0] <= 1 or random.random() < 0.4:
            return leaf()
        if random.random() < 0.3:
            return [node(depth + 1) for _ in range(random.randint(0, 3)) if budget[0] > 0]
        return {k: node(depth + 1) for k in random.sample(keys, random.randint(1, 3)) if budget[0] > 0}

    doc = {k: node(1) for k in random.sample(keys, random.randint(1, 4)) if budget[0] > 0}
    return {"document": doc, "separator": random.choice([".", "/", "_"])}
