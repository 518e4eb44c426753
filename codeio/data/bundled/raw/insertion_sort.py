"""Insertion sort instrumented for teaching: counts comparisons and shifts."""


class Stats:
    def __init__(self):
        self.comparisons = 0
        self.shifts = 0

    def __repr__(self):
        return f"Stats(comparisons={self.comparisons}, shifts={self.shifts})"


def insertion_sort(items, key=lambda x: x, descending=False):
    a = list(items)
    st = Stats()
    for i in range(1, len(a)):
        cur = a[i]
        j = i - 1
        while j >= 0:
            st.comparisons += 1
            before = key(a[j]) < key(cur) if descending else key(a[j]) > key(cur)
            if not before:
                break
            a[j + 1] = a[j]
            st.shifts += 1
            j -= 1
        a[j + 1] = cur
    return a, st


if __name__ == "__main__":
    data = [5, 2, 4, 6, 1, 3]
    print(insertion_sort(data))
    print(insertion_sort(["pear", "fig", "banana"], key=len, descending=True))
