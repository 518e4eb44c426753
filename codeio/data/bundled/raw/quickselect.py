# Quickselect: k-th smallest element in expected linear time.
# Uses a deterministic median-of-three pivot so results are reproducible.


def median_of_three(arr, lo, hi):
    mid = (lo + hi) // 2
    trio = sorted([(arr[lo], lo), (arr[mid], mid), (arr[hi], hi)])
    return trio[1][1]


def partition(arr, lo, hi):
    p = median_of_three(arr, lo, hi)
    arr[p], arr[hi] = arr[hi], arr[p]
    pivot = arr[hi]
    store = lo
    for i in range(lo, hi):
        if arr[i] < pivot:
            arr[i], arr[store] = arr[store], arr[i]
            store += 1
    arr[store], arr[hi] = arr[hi], arr[store]
    return store


def quickselect(values, k):
    """Return the k-th smallest (1-based) item of values."""
    if not 1 <= k <= len(values):
        raise ValueError("k out of range")
    arr = list(values)
    lo, hi = 0, len(arr) - 1
    target = k - 1
    while True:
        if lo == hi:
            return arr[lo]
        p = partition(arr, lo, hi)
        if p == target:
            return arr[p]
        if p < target:
            lo = p + 1
        else:
            hi = p - 1


if __name__ == "__main__":
    nums = [9, 1, 8, 2, 7, 3, 6, 4, 5]
    for k in (1, 5, 9):
        print(k, quickselect(nums, k))
