def lcs_table(x, y):
    m, n = len(x), len(y)
    t = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m):
        for j in range(n):
            t[i + 1][j + 1] = t[i][j] + 1 if x[i] == y[j] else max(t[i][j + 1], t[i + 1][j])
    return t


def backtrack(t, x, y):
    i, j = len(x), len(y)
    out = []
    while i and j:
        if x[i - 1] == y[j - 1]:
            out.append(x[i - 1])
            i -= 1
            j -= 1
        elif t[i - 1][j] >= t[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return "".join(reversed(out))


def diff(x, y):
    common = backtrack(lcs_table(x, y), x, y)
    return common, len(x) - len(common), len(y) - len(common)


if __name__ == "__main__":
    print(diff("AGGTAB", "GXTXAYB"))
    print(diff("ABCBDAB", "BDCABA"))
