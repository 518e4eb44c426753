"""Course scheduling with Kahn's algorithm."""
import heapq


def schedule(courses, prerequisites):
    """prerequisites: list of (before, after). Returns an order, or None on a cycle.

    Among the courses that are ready, the alphabetically first one is taken, so
    the answer is unique.
    """
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


if __name__ == "__main__":
    courses = ["calculus", "algebra", "physics", "mechanics", "statistics"]
    prereq = [("algebra", "calculus"), ("calculus", "physics"), ("physics", "mechanics"),
              ("algebra", "statistics")]
    print(schedule(courses, prereq))
    print(schedule(["a", "b"], [("a", "b"), ("b", "a")]))
