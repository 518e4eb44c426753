"""Single-server queue (a bank teller) simulated event by event."""
import random


def simulate(arrivals, services):
    """arrivals: absolute arrival times (sorted); services: service durations."""
    clock_free = 0
    waits = []
    longest_queue = 0
    departures = []
    for t, s in zip(arrivals, services, strict=True):
        start = max(t, clock_free)
        waits.append(start - t)
        clock_free = start + s
        departures.append(clock_free)
        in_system = sum(1 for d in departures if d > t)
        longest_queue = max(longest_queue, in_system - 1)
    return {
        "average_wait": sum(waits) / len(waits),
        "max_wait": max(waits),
        "longest_queue": longest_queue,
        "finish_time": clock_free,
    }


def random_day(n, rng):
    t = 0
    arrivals, services = [], []
    for _ in range(n):
        t += rng.randint(0, 6)
        arrivals.append(t)
        services.append(rng.randint(1, 8))
    return arrivals, services


if __name__ == "__main__":
    rng = random.Random(42)
    for day in range(3):
        a, s = random_day(20, rng)
        print("day", day, simulate(a, s))
