def divisors(n):
    small, large = [], []
    d = 1
    while d * d <= n:
        if n % d == 0:
            small.append(d)
            if d != n // d:
                large.append(n // d)
        d += 1
    return small + large[::-1]


def classify(n):
    s = sum(divisors(n)) - n
    if s == n:
        return "perfect"
    return "abundant" if s > n else "deficient"


if __name__ == "__main__":
    for n in (6, 12, 28, 35, 496):
        print(n, divisors(n), classify(n))
    print([n for n in range(1, 10000) if classify(n) == "perfect"])
