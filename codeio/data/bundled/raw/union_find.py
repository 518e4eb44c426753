class DisjointSet:
    def __init__(self, n):
        self.parent = list(range(n))
        self.size = [1] * n
        self.sets = n

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.sets -= 1
        return True


def count_islands_of_friends(n, friendships):
    ds = DisjointSet(n)
    redundant = 0
    for a, b in friendships:
        if not ds.union(a, b):
            redundant += 1
    return ds.sets, redundant


if __name__ == "__main__":
    print(count_islands_of_friends(6, [(0, 1), (1, 2), (2, 0), (3, 4)]))
