"""0/1 knapsack with item reconstruction."""


def knapsack(weights: list[int], values: list[int], capacity: int) -> tuple[int, list[int]]:
    n = len(weights)
    table = [[0] * (capacity + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        w, v = weights[i - 1], values[i - 1]
        for c in range(capacity + 1):
            table[i][c] = table[i - 1][c]
            if w <= c and table[i - 1][c - w] + v > table[i][c]:
                table[i][c] = table[i - 1][c - w] + v
    chosen = []
    c = capacity
    for i in range(n, 0, -1):
        if table[i][c] != table[i - 1][c]:
            chosen.append(i - 1)
            c -= weights[i - 1]
    return table[n][capacity], sorted(chosen)


def main():
    items = {"tent": (5, 30), "stove": (3, 14), "food": (4, 16), "camera": (2, 9)}
    names = list(items)
    best, idx = knapsack([items[k][0] for k in names], [items[k][1] for k in names], 10)
    print("best value", best)
    print("pack:", ", ".join(names[i] for i in idx))


if __name__ == "__main__":
    main()
