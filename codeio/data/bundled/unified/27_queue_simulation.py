"""The unified rewrite of ``raw/queue_simulation.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
Customers arrive at a bank with a single teller. The i-th entry of `gaps` is the number of minutes
between the previous arrival (or opening time 0) and customer i's arrival, and the i-th entry of
`services` is how long the teller needs for customer i; customers are served first come, first
served. What is the average wait before service (rounded to 3 decimals), the longest wait, the
largest number of earlier customers still in the bank when someone arrives, and the time the teller
finishes?
"""
IO_REQUIREMENTS = """\
Input:
  `gaps` (list of int): minutes between arrivals, each 0 to 6 (1 to 18 customers).
  `services` (list of int): service minutes, each 1 to 8, same length as gaps.
Output:
  `return` (dict): `average_wait` (float), `max_wait` (int), `longest_queue` (int),
  `finish_time` (int).
"""

# --- refcode ---
def main_solution(gaps, services):
    t, free_at, waits, departures, longest = 0, 0, [], [], 0
    for gap, service in zip(gaps, services):
        t += gap
        start = max(t, free_at)
        waits.append(start - t)
        longest = max(longest, sum(1 for d in departures if d > t))
        free_at = start + service
        departures.append(free_at)
    return {"average_wait": round(sum(waits) / len(waits), 3), "max_wait": max(waits),
            "longest_queue": longest, "finish_time": free_at}


# --- inputgen ---
import random


def input_generator():
    n = random.randint(1, 18)
    return {"gaps": [random.randint(0, 6) for _ in range(n)],
            "services": [random.randint(1, 8) for _ in range(n)]}
