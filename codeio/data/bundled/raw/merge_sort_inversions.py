"""Merge sort that also counts inversions.

An inversion is a pair (i, j) with i < j and a[i] > a[j]. Counting them while
merging gives an O(n log n) algorithm instead of the obvious O(n^2) double loop.
"""


def merge(left, right):
    merged = []
    inversions = 0
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            # every element still waiting in `left` is bigger than right[j]
            inversions += len(left) - i
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged, inversions


def sort_and_count(seq):
    if len(seq) <= 1:
        return list(seq), 0
    mid = len(seq) // 2
    left, a = sort_and_count(seq[:mid])
    right, b = sort_and_count(seq[mid:])
    merged, c = merge(left, right)
    return merged, a + b + c


def brute_force_inversions(seq):
    return sum(1 for i in range(len(seq)) for j in range(i + 1, len(seq)) if seq[i] > seq[j])


if __name__ == "__main__":
    data = [8, 4, 2, 1, 7, 3]
    result, inv = sort_and_count(data)
    print("sorted:", result)
    print("inversions:", inv, "(brute force:", brute_force_inversions(data), ")")
