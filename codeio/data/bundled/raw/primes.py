"""Prime utilities: a sieve, trial-division factorisation and twin primes."""
import math


def sieve(limit):
    if limit < 2:
        return []
    flags = bytearray([1]) * (limit + 1)
    flags[0] = flags[1] = 0
    for p in range(2, math.isqrt(limit) + 1):
        if flags[p]:
            flags[p * p :: p] = bytearray(len(range(p * p, limit + 1, p)))
    return [i for i, f in enumerate(flags) if f]


def factorize(n):
    factors = {}
    d = 2
    while d * d <= n:
        while n % d == 0:
            factors[d] = factors.get(d, 0) + 1
            n //= d
        d += 1 if d == 2 else 2
    if n > 1:
        factors[n] = factors.get(n, 0) + 1
    return factors


def twin_primes(limit):
    ps = sieve(limit)
    return [(a, b) for a, b in zip(ps, ps[1:], strict=False) if b - a == 2]


if __name__ == "__main__":
    print(sieve(50))
    print(factorize(360), factorize(9973))
    print(twin_primes(100))
