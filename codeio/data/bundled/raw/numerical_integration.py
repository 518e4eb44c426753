import math


def trapezoid(f, a, b, n=100):
    h = (b - a) / n
    return h * (f(a) / 2 + sum(f(a + i * h) for i in range(1, n)) + f(b) / 2)


def simpson(f, a, b, n=100):
    if n % 2:
        n += 1
    h = (b - a) / n
    s = f(a) + f(b)
    s += 4 * sum(f(a + i * h) for i in range(1, n, 2))
    s += 2 * sum(f(a + i * h) for i in range(2, n, 2))
    return s * h / 3


if __name__ == "__main__":
    for name, f, a, b, exact in [
        ("sin", math.sin, 0, math.pi, 2.0),
        ("x^2", lambda x: x * x, 0, 3, 9.0),
        ("exp", math.exp, 0, 1, math.e - 1),
    ]:
        t, s = trapezoid(f, a, b, 20), simpson(f, a, b, 20)
        print(f"{name}: trapezoid {t:.6f} (err {abs(t - exact):.1e}), simpson {s:.6f} (err {abs(s - exact):.1e})")
