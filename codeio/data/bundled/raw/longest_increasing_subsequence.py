import bisect


def lis_length(nums):
    """Patience sorting: tails[i] is the smallest tail of an increasing run of length i+1."""
    tails = []
    for x in nums:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def lis_sequence(nums):
    """O(n^2) DP that also rebuilds one longest subsequence (the leftmost one)."""
    n = len(nums)
    if n == 0:
        return []
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if nums[j] < nums[i] and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
                prev[i] = j
    end = max(range(n), key=lambda i: (best[i], -i))
    out = []
    while end != -1:
        out.append(nums[end])
        end = prev[end]
    return out[::-1]


if __name__ == "__main__":
    seq = [10, 9, 2, 5, 3, 7, 101, 18]
    print(lis_length(seq), lis_sequence(seq))
