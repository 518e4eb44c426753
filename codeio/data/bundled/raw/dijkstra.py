import heapq
from collections import defaultdict


class Graph:
    def __init__(self):
        self.adj = defaultdict(list)

    def add_edge(self, u, v, w, directed=False):
        self.adj[u].append((v, w))
        if not directed:
            self.adj[v].append((u, w))

    def dijkstra(self, source):
        dist = {source: 0}
        heap = [(0, source)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, float("inf")):
                continue
            for v, w in self.adj[u]:
                nd = d + w
                if nd < dist.get(v, float("inf")):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
        return dist


if __name__ == "__main__":
    g = Graph()
    for u, v, w in [("A", "B", 4), ("A", "C", 2), ("C", "B", 1), ("B", "D", 5), ("C", "D", 8)]:
        g.add_edge(u, v, w)
    for node, d in sorted(g.dijkstra("A").items()):
        print(node, d)
