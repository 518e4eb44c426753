class SortedArray:
    """A tiny wrapper around a sorted list with lower/upper bound queries."""

    def __init__(self, items):
        self.items = sorted(items)

    def lower_bound(self, x):
        lo, hi = 0, len(self.items)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.items[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def upper_bound(self, x):
        lo, hi = 0, len(self.items)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.items[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def count(self, x):
        return self.upper_bound(x) - self.lower_bound(x)

    def __contains__(self, x):
        i = self.lower_bound(x)
        return i < len(self.items) and self.items[i] == x


if __name__ == "__main__":
    arr = SortedArray([5, 1, 3, 3, 3, 9, 7])
    print(arr.items)
    print("first 3 at", arr.lower_bound(3), "count", arr.count(3))
    print(4 in arr, 9 in arr)
