from functools import cache


@cache
def stopping_time(n):
    if n == 1:
        return 0
    return 1 + stopping_time(n // 2 if n % 2 == 0 else 3 * n + 1)


def trajectory(n):
    path = [n]
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        path.append(n)
    return path


def longest_below(limit):
    return max(range(1, limit), key=stopping_time)


if __name__ == "__main__":
    print(trajectory(27)[:20], "...")
    print("steps for 27:", stopping_time(27), "peak:", max(trajectory(27)))
    print("longest below 1000:", longest_below(1000))
