"""The unified rewrite of ``raw/dijkstra.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "graphs"
PROBLEM = """\
Towns are joined by two-way roads; each entry of `roads` is [town_a, town_b, length]. Starting from
the town `start`, what is the shortest driving distance to every town that can be reached?
"""
IO_REQUIREMENTS = """\
Input:
  `roads` (list of list): each item [a (str), b (str), length (int >= 1)]; up to 15 roads.
  `start` (str): the starting town's name.
Output:
  `return` (dict): maps each reachable town's name (str) to its shortest distance (int); the start
  maps to 0.
"""

# --- refcode ---
import heapq


def main_solution(roads, start):
    adj = {}
    for a, b, w in roads:
        adj.setdefault(a, []).append((b, w))
        adj.setdefault(b, []).append((a, w))
    dist = {start: 0}
    heap = [(0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj.get(u, []):
            if d + w < dist.get(v, float("inf")):
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return {town: dist[town] for town in sorted(dist)}


# --- inputgen ---
import random


def input_generator():
    towns = random.sample(["A", "B", "C", "D", "E", "F", "G", "H"], random.randint(2, 8))
    roads = [[random.choice(towns), random.choice(towns), random.randint(1, 20)]
             for _ in range(random.randint(1, 15))]
    roads = [r for r in roads if r[0] != r[1]] or [[towns[0], towns[1], 5]]
    return {"roads": roads, "start": random.choice(towns)}
