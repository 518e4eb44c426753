from collections import deque


def josephus_order(n, k):
    """Order in which people 1..n standing in a circle are eliminated when every k-th is removed."""
    circle = deque(range(1, n + 1))
    order = []
    while circle:
        circle.rotate(-(k - 1))
        order.append(circle.popleft())
    return order


def survivor(n, k):
    # classic recurrence J(1) = 0, J(n) = (J(n-1) + k) mod n, shifted to 1-based
    pos = 0
    for m in range(2, n + 1):
        pos = (pos + k) % m
    return pos + 1


if __name__ == "__main__":
    print(josephus_order(7, 3))
    print(survivor(41, 3))
