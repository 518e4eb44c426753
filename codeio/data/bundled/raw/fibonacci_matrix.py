# Fibonacci numbers modulo m with fast 2x2 matrix exponentiation, plus the Pisano period.


def mat_mult(a, b, mod):
    return [
        [(a[0][0] * b[0][0] + a[0][1] * b[1][0]) % mod, (a[0][0] * b[0][1] + a[0][1] * b[1][1]) % mod],
        [(a[1][0] * b[0][0] + a[1][1] * b[1][0]) % mod, (a[1][0] * b[0][1] + a[1][1] * b[1][1]) % mod],
    ]


def mat_pow(m, power, mod):
    result = [[1, 0], [0, 1]]
    while power:
        if power & 1:
            result = mat_mult(result, m, mod)
        m = mat_mult(m, m, mod)
        power >>= 1
    return result


def fib_mod(n, mod):
    return mat_pow([[1, 1], [1, 0]], n, mod)[0][1]


def pisano(mod):
    prev, cur = 0, 1
    for i in range(1, mod * mod + 1):
        prev, cur = cur, (prev + cur) % mod
        if prev == 0 and cur == 1:
            return i
    return None


if __name__ == "__main__":
    print([fib_mod(i, 1000) for i in range(15)])
    print(fib_mod(10**18, 1_000_000_007))
    print("pisano(10) =", pisano(10))
