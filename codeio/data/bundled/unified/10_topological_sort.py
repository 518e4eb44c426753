"""The unified rewrite of ``raw/topological_sort.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "graphs"
PROBLEM = """\
A student must take the courses in `courses`; each pair [before, after] in `prerequisites` says one
course must be finished before another starts. Whenever several courses are available, she takes the
alphabetically first. In what order does she take them, or is it impossible because the requirements
are circular (answer null)?
"""
IO_REQUIREMENTS = """\
Input:
  `courses` (list of str): distinct course names (up to 10).
  `prerequisites` (list of list of str): pairs [before, after] of names from `courses` (up to 15).
Output:
  `return` (list of str or null): the order in which courses are taken, or null when no order
  satisfies every requirement.
"""

# --- refcode ---
import heapq


def main_solution(courses, prerequisites):
    indeg = {c: 0 for c in courses}
    after = {c: [] for c in courses}
    for a, b in prerequisites:
        after[a].append(b)
        indeg[b] += 1
    ready = [c for c in courses if indeg[c] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        c = heapq.heappop(ready)
        order.append(c)
        for nxt in after[c]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                heapq.heappush(ready, nxt)
    return order if len(order) == len(courses) else None


# --- inputgen ---
import random


def input_generator():
    names = ["art", "bio", "chem", "db", "econ", "french", "geo", "history", "isl", "java"]
    courses = random.sample(names, random.randint(2, 10))
    pairs = []
    for _ in range(random.randint(0, 15)):
        a, b = random.sample(courses, 2)
        if random.random() < 0.9 and courses.index(a) > courses.index(b):
            a, b = b, a
        pairs.append([a, b])
    return {"courses": courses, "prerequisites": pairs}
