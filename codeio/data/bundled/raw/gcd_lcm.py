from functools import reduce


def gcd(a, b):
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a, b):
    return abs(a * b) // gcd(a, b) if a and b else 0


def extended_gcd(a, b):
    """Return (g, x, y) with a*x + b*y == g."""
    old_r, r = a, b
    old_s, s = 1, 0
    old_t, t = 0, 1
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
        old_t, t = t, old_t - q * t
    return old_r, old_s, old_t


if __name__ == "__main__":
    nums = [12, 18, 30]
    print("gcd", reduce(gcd, nums), "lcm", reduce(lcm, nums))
    g, x, y = extended_gcd(240, 46)
    print(f"240*{x} + 46*{y} = {g}")
