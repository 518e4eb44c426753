"""Newton-Raphson root finding for polynomials."""


def poly_eval(coeffs, x):
    # Horner's rule; coeffs from highest degree down
    result = 0
    for c in coeffs:
        result = result * x + c
    return result


def poly_derivative(coeffs):
    degree = len(coeffs) - 1
    return [c * (degree - i) for i, c in enumerate(coeffs[:-1])]


def newton(coeffs, x0, tol=1e-12, max_iter=50):
    deriv = poly_derivative(coeffs)
    x = x0
    for step in range(1, max_iter + 1):
        fx = poly_eval(coeffs, x)
        dfx = poly_eval(deriv, x)
        if dfx == 0:
            raise ZeroDivisionError(f"flat spot at x={x!r}")
        nx = x - fx / dfx
        if abs(nx - x) < tol:
            return nx, step
        x = nx
    return x, max_iter


if __name__ == "__main__":
    root, steps = newton([1, 0, -2], 1.0)  # sqrt(2)
    print(f"sqrt(2) ~ {root:.12f} after {steps} steps")
    root, steps = newton([1, -6, 11, -6], 3.6)
    print(f"root near 3.6: {root} ({steps} steps)")
