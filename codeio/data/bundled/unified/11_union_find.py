"""The unified rewrite of ``raw/union_find.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "graphs"
PROBLEM = """\
In a class of `n` students numbered 0 to n-1, each pair in `friendships` says two students are
friends; friends of friends belong to the same group. How many separate groups are there, how many
of the listed friendships join students who were already in the same group when that friendship was
added in list order, and how large is the biggest group?
"""
IO_REQUIREMENTS = """\
Input:
  `n` (int): number of students, 1 to 19.
  `friendships` (list of list of int): pairs [a, b] of student numbers (up to 19 pairs).
Output:
  `return` (dict): `groups` (int), `redundant` (int) the friendships that joined nothing new,
  `largest` (int) the size of the biggest group.
"""

# --- refcode ---
def main_solution(n, friendships):
    parent = list(range(n))
    size = [1] * n

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups, redundant = n, 0
    for a, b in friendships:
        ra, rb = find(a), find(b)
        if ra == rb:
            redundant += 1
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
        groups -= 1
    return {"groups": groups, "redundant": redundant,
            "largest": max(size[find(i)] for i in range(n))}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 19)
    pairs = [[random.randrange(n), random.randrange(n)] for _ in range(random.randint(0, 19))]
    return {"n": n, "friendships": pairs}
