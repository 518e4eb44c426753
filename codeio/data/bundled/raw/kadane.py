# Maximum subarray (Kadane), returning the bounds too.

def max_subarray(a):
    best_sum = a[0]
    best = (0, 0)
    cur_sum = a[0]
    cur_start = 0
    for i in range(1, len(a)):
        if cur_sum < 0:
            cur_sum = a[i]
            cur_start = i
        else:
            cur_sum += a[i]
        if cur_sum > best_sum:
            best_sum = cur_sum
            best = (cur_start, i)
    return best_sum, best


def max_circular_subarray(a):
    straight, _ = max_subarray(a)
    if straight < 0:
        return straight
    inverted, _ = max_subarray([-x for x in a])
    return max(straight, sum(a) + inverted)


if __name__ == "__main__":
    prices = [-2, 1, -3, 4, -1, 2, 1, -5, 4]
    total, (i, j) = max_subarray(prices)
    print(f"best {total} from {i} to {j}: {prices[i:j + 1]}")
    print("circular:", max_circular_subarray([5, -3, 5]))
