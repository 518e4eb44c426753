def levenshtein(a, b, sub_cost=1, ins_cost=1, del_cost=1):
    # two-row dynamic programme
    prev = [j * ins_cost for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [i * del_cost] + [0] * len(b)
        for j in range(1, len(b) + 1):
            same = a[i - 1] == b[j - 1]
            cur[j] = min(
                prev[j] + del_cost,
                cur[j - 1] + ins_cost,
                prev[j - 1] + (0 if same else sub_cost),
            )
        prev = cur
    return prev[-1]


def similarity(a, b):
    longest = max(len(a), len(b)) or 1
    return 1 - levenshtein(a, b) / longest


if __name__ == "__main__":
    pairs = [("kitten", "sitting"), ("flaw", "lawn"), ("", "abc")]
    for x, y in pairs:
        print(f"{x!r} -> {y!r}: {levenshtein(x, y)} edits, similarity {similarity(x, y):.2f}")
