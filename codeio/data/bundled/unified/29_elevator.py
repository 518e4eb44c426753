"""The unified rewrite of ``raw/elevator.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
An elevator standing at floor `start` and moving in direction `direction` ("up" or "down") must
visit the floors in `requests`. It keeps going in its direction, stopping at the nearest requested
floor ahead (its own floor counts as ahead), and turns around only when nothing is left ahead. In
what order does it stop, and how many floors does it travel in total?
"""
IO_REQUIREMENTS = """\
Input:
  `start` (int): the starting floor, 0 to 30.
  `direction` (str): "up" or "down".
  `requests` (list of int): requested floors, 0 to 30, duplicates allowed (up to 12).
Output:
  `return` (dict): `stops` (list of int) the distinct requested floors in visiting order,
  `travelled` (int) the total number of floors moved.
"""

# --- refcode ---
def main_solution(start, direction, requests):
    pending = sorted(set(requests))
    pos, step, travelled, stops = start, 1 if direction == "up" else -1, 0, []
    while pending:
        ahead = [f for f in pending if (f - pos) * step >= 0]
        if not ahead:
            step = -step
            continue
        target = min(ahead, key=lambda f: abs(f - pos))
        travelled += abs(target - pos)
        pos = target
        stops.append(target)
        pending.remove(target)
    return {"stops": stops, "travelled": travelled}


# --- inputgen ---
import random


def input_generator():
    return {"start": random.randint(0, 30), "direction": random.choice(["up", "down"]),
            "requests": [random.randint(0, 30) for _ in range(random.randint(0, 12))]}
