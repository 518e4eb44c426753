class Combinatorics:
    """Counting helpers with a memoised factorial table."""

    def __init__(self):
        self._fact = [1]

    def factorial(self, n):
        while len(self._fact) <= n:
            self._fact.append(self._fact[-1] * len(self._fact))
        return self._fact[n]

    def choose(self, n, k):
        if k < 0 or k > n:
            return 0
        return self.factorial(n) // (self.factorial(k) * self.factorial(n - k))

    def permutations(self, n, k):
        if k < 0 or k > n:
            return 0
        return self.factorial(n) // self.factorial(n - k)

    def catalan(self, n):
        return self.choose(2 * n, n) // (n + 1)

    def pascal_row(self, n):
        row = [1]
        for k in range(n):
            row.append(row[-1] * (n - k) // (k + 1))
        return row


if __name__ == "__main__":
    c = Combinatorics()
    print(c.choose(10, 3), c.permutations(10, 3), c.catalan(5))
    for n in range(6):
        print(" " * (6 - n), c.pascal_row(n))
