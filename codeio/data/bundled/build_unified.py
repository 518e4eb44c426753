"""Source of ``unified.jsonl``: the bundled corpus' functions in the unified format, written by hand.

Each entry is the unified rewrite of one file in ``raw/``. Edit an entry here, then regenerate the JSONL:

    python codeio/data/bundled/build_unified.py

``tests/data/test_bundled_corpus.py`` fails when ``unified.jsonl`` and this file disagree.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECS: list[dict] = []


def add(name: str, topic: str, problem: str, io: str, refcode: str, inputgen: str) -> None:
    """Register one unified function; ``name`` is the stem of its raw file."""
    SPECS.append(
        {
            "problem_description": " ".join(problem.split()),
            "io_requirements": io.strip("\n"),
            "refcode": refcode.strip("\n") + "\n",
            "funcname": "main_solution",
            "inputgen": inputgen.strip("\n") + "\n",
            "ios": [],
            "source": "bundled",
            "meta": {"raw_file": f"raw/{name}.py", "topic": topic},
        }
    )


def render() -> str:
    """The JSONL text, one record a line, in registration order."""
    return "".join(json.dumps(s, ensure_ascii=False, sort_keys=False) + "\n" for s in SPECS)


# --------------------------------------------------------------------------------------------- algorithms
add(
    "merge_sort_inversions",
    "sorting",
    """A list of integers `nums` is given. How many pairs of positions (i, j) with i < j hold a larger
    number at i than at j, and what does the list look like in ascending order?""",
    """Input:
  `nums` (list of int): the numbers, in their original order (up to 15 items).
Output:
  `return` (dict): `sorted` (list of int) the numbers in ascending order, and `inversions` (int) the
  number of out-of-order pairs.""",
    '''
def sort_and_count(seq):
    if len(seq) <= 1:
        return list(seq), 0
    mid = len(seq) // 2
    left, a = sort_and_count(seq[:mid])
    right, b = sort_and_count(seq[mid:])
    merged, inv, i, j = [], 0, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            inv += len(left) - i
            j += 1
    merged += left[i:] + right[j:]
    return merged, a + b + inv


def main_solution(nums):
    ordered, inversions = sort_and_count(list(nums))
    return {"sorted": ordered, "inversions": inversions}
''',
    '''
import random


def input_generator():
    n = random.randint(1, 15)
    return {"nums": [random.randint(-50, 50) for _ in range(n)]}
''',
)

add(
    "quickselect",
    "search",
    """Given a list of integers `values` and a rank `k`, what is the k-th smallest value (counting
    duplicates, with k = 1 meaning the minimum)?""",
    """Input:
  `values` (list of int): the numbers (1 to 18 items).
  `k` (int): the rank asked for, 1 <= k <= len(values).
Output:
  `return` (int): the k-th smallest number.""",
    '''
def partition(arr, lo, hi):
    mid = (lo + hi) // 2
    p = sorted([(arr[lo], lo), (arr[mid], mid), (arr[hi], hi)])[1][1]
    arr[p], arr[hi] = arr[hi], arr[p]
    pivot, store = arr[hi], lo
    for i in range(lo, hi):
        if arr[i] < pivot:
            arr[i], arr[store] = arr[store], arr[i]
            store += 1
    arr[store], arr[hi] = arr[hi], arr[store]
    return store


def main_solution(values, k):
    arr = list(values)
    lo, hi, target = 0, len(arr) - 1, k - 1
    while lo < hi:
        p = partition(arr, lo, hi)
        if p == target:
            return arr[p]
        if p < target:
            lo = p + 1
        else:
            hi = p - 1
    return arr[lo]
''',
    '''
import random


def input_generator():
    n = random.randint(1, 18)
    values = [random.randint(0, 99) for _ in range(n)]
    return {"values": values, "k": random.randint(1, n)}
''',
)

add(
    "binary_search",
    "search",
    """A collection of integers `items` is kept in sorted order. For a query number `x`, at which
    position would x first appear (the number of items strictly smaller than x), how many copies of x
    are there, and is x present at all?""",
    """Input:
  `items` (list of int): the collection, in any order (up to 19 items).
  `x` (int): the query number.
Output:
  `return` (dict): `first_index` (int) the count of items smaller than x, `count` (int) how many
  items equal x, `present` (bool) whether x occurs.""",
    '''
def bound(items, x, strict):
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < x or (not strict and items[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


def main_solution(items, x):
    arr = sorted(items)
    first = bound(arr, x, True)
    last = bound(arr, x, False)
    return {"first_index": first, "count": last - first, "present": last > first}
''',
    '''
import random


def input_generator():
    items = [random.randint(0, 12) for _ in range(random.randint(0, 19))]
    return {"items": items, "x": random.randint(-1, 13)}
''',
)

add(
    "longest_increasing_subsequence",
    "dynamic programming",
    """From a sequence of integers `nums`, pick elements keeping their order so that each picked
    value is strictly larger than the previous one. What is the longest such pick? When several
    picks have the greatest length, report the one whose last element appears earliest in `nums`,
    built by always extending the first-found best predecessor.""",
    """Input:
  `nums` (list of int): the sequence (up to 16 items).
Output:
  `return` (dict): `length` (int) the length of the longest strictly increasing subsequence and
  `subsequence` (list of int) one such subsequence as described.""",
    '''
def main_solution(nums):
    n = len(nums)
    if n == 0:
        return {"length": 0, "subsequence": []}
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
    return {"length": max(best), "subsequence": out[::-1]}
''',
    '''
import random


def input_generator():
    return {"nums": [random.randint(0, 30) for _ in range(random.randint(0, 16))]}
''',
)

add(
    "knapsack",
    "dynamic programming",
    """A hiker can carry at most `capacity` kilograms. Item i weighs the i-th entry of `weights` in
    kilograms and is worth the i-th entry of `values` in points; each item is taken whole or left behind. What is the highest total
    worth she can carry, and which items (by index) give it?""",
    """Input:
  `weights` (list of int): positive weight of each item (up to 10 items).
  `values` (list of int): worth of each item, same length as weights.
  `capacity` (int): the weight limit, non-negative.
Output:
  `return` (dict): `best_value` (int) the highest total worth and `items` (list of int) the chosen
  indices in ascending order (the choice found by tracing the table back from the last item).""",
    '''
def main_solution(weights, values, capacity):
    n = len(weights)
    t = [[0] * (capacity + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        w, v = weights[i - 1], values[i - 1]
        for c in range(capacity + 1):
            t[i][c] = t[i - 1][c]
            if w <= c and t[i - 1][c - w] + v > t[i][c]:
                t[i][c] = t[i - 1][c - w] + v
    chosen, c = [], capacity
    for i in range(n, 0, -1):
        if t[i][c] != t[i - 1][c]:
            chosen.append(i - 1)
            c -= weights[i - 1]
    return {"best_value": t[n][capacity], "items": sorted(chosen)}
''',
    '''
import random


def input_generator():
    n = random.randint(1, 10)
    return {
        "weights": [random.randint(1, 12) for _ in range(n)],
        "values": [random.randint(1, 40) for _ in range(n)],
        "capacity": random.randint(0, 30),
    }
''',
)

add(
    "edit_distance",
    "dynamic programming",
    """What is the smallest total cost of turning the word `source` into the word `target`, when
    inserting a character costs `ins_cost`, deleting one costs `del_cost` and replacing one with a
    different character costs `sub_cost`?""",
    """Input:
  `source` (str): the starting word (lowercase, up to 12 letters).
  `target` (str): the word to reach (lowercase, up to 12 letters).
  `ins_cost` (int): cost of one insertion, `del_cost` (int): cost of one deletion, `sub_cost` (int):
  cost of one substitution; each between 1 and 3.
Output:
  `return` (int): the minimum total cost.""",
    '''
def main_solution(source, target, ins_cost, del_cost, sub_cost):
    prev = [j * ins_cost for j in range(len(target) + 1)]
    for i in range(1, len(source) + 1):
        cur = [i * del_cost] + [0] * len(target)
        for j in range(1, len(target) + 1):
            same = source[i - 1] == target[j - 1]
            cur[j] = min(prev[j] + del_cost, cur[j - 1] + ins_cost,
                         prev[j - 1] + (0 if same else sub_cost))
        prev = cur
    return prev[-1]
''',
    '''
import random


def input_generator():
    word = lambda: "".join(random.choice("abcde") for _ in range(random.randint(0, 12)))
    return {"source": word(), "target": word(), "ins_cost": random.randint(1, 3),
            "del_cost": random.randint(1, 3), "sub_cost": random.randint(1, 3)}
''',
)

add(
    "coin_change",
    "dynamic programming",
    """A country mints coins of the values in `coins`, with an unlimited supply of each. For the sum
    `amount`, what is the fewest number of coins that pays it exactly (or -1 if impossible), in how
    many different ways (ignoring order) can it be paid, and does paying greedily with the largest
    coin first reach the fewest number?""",
    """Input:
  `coins` (list of int): distinct positive coin values (1 to 6 items).
  `amount` (int): the sum to pay, 0 to 200.
Output:
  `return` (dict): `min_coins` (int, -1 when impossible), `ways` (int) the number of combinations,
  `greedy_optimal` (bool) whether the largest-first greedy payment pays exactly with min_coins coins.""",
    '''
def main_solution(coins, amount):
    coins = sorted(set(coins))
    inf = amount + 1
    best = [0] + [inf] * amount
    for a in range(1, amount + 1):
        for c in coins:
            if c <= a and best[a - c] + 1 < best[a]:
                best[a] = best[a - c] + 1
    ways = [1] + [0] * amount
    for c in coins:
        for a in range(c, amount + 1):
            ways[a] += ways[a - c]
    left, used = amount, 0
    for c in reversed(coins):
        used += left // c
        left %= c
    min_coins = -1 if best[amount] == inf else best[amount]
    return {"min_coins": min_coins, "ways": ways[amount],
            "greedy_optimal": left == 0 and used == min_coins}
''',
    '''
import random


def input_generator():
    coins = random.sample(range(1, 30), random.randint(1, 6))
    return {"coins": coins, "amount": random.randint(0, 200)}
''',
)

add(
    "grid_bfs",
    "graphs",
    """A maze is drawn as rows of text `grid`: '#' is a wall, '.' is open floor, 'S' is the start and
    'E' the exit. Moving one cell up, down, left or right takes one step. What is the least number of
    steps from S to E, or -1 if the exit cannot be reached?""",
    """Input:
  `grid` (list of str): equal-length rows (up to 8 rows of up to 8 characters) containing exactly
  one 'S' and one 'E'.
Output:
  `return` (int): the minimum number of steps, -1 when unreachable.""",
    '''
from collections import deque


def main_solution(grid):
    cells = {(r, c): ch for r, row in enumerate(grid) for c, ch in enumerate(row)}
    start = next(p for p, ch in cells.items() if ch == "S")
    dist = {start: 0}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        if cells[(r, c)] == "E":
            return dist[(r, c)]
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if cells.get(nxt, "#") != "#" and nxt not in dist:
                dist[nxt] = dist[(r, c)] + 1
                queue.append(nxt)
    return -1
''',
    '''
import random


def input_generator():
    rows, cols = random.randint(2, 8), random.randint(2, 8)
    grid = [["#" if random.random() < 0.3 else "." for _ in range(cols)] for _ in range(rows)]
    spots = random.sample([(r, c) for r in range(rows) for c in range(cols)], 2)
    grid[spots[0][0]][spots[0][1]] = "S"
    grid[spots[1][0]][spots[1][1]] = "E"
    return {"grid": ["".join(row) for row in grid]}
''',
)

add(
    "dijkstra",
    "graphs",
    """Towns are joined by two-way roads; each entry of `roads` is [town_a, town_b, length]. Starting
    from the town `start`, what is the shortest driving distance to every town that can be reached?""",
    """Input:
  `roads` (list of list): each item [a (str), b (str), length (int >= 1)]; up to 15 roads.
  `start` (str): the starting town's name.
Output:
  `return` (dict): maps each reachable town's name (str) to its shortest distance (int); the start
  maps to 0.""",
    '''
import heapq


def main_solution(roads, start):
    adj = {}
    for a, b, w in roads:
        adj.setdefault(a, []).append((b, w))
        adj.setdefault(b, []).append((a, w))
    dist = {start: 0}
    heap = [(0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj.get(u, []):
            if d + w < dist.get(v, float("inf")):
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return {town: dist[town] for town in sorted(dist)}
''',
    '''
import random


def input_generator():
    towns = random.sample(["A", "B", "C", "D", "E", "F", "G", "H"], random.randint(2, 8))
    roads = [[random.choice(towns), random.choice(towns), random.randint(1, 20)]
             for _ in range(random.randint(1, 15))]
    roads = [r for r in roads if r[0] != r[1]] or [[towns[0], towns[1], 5]]
    return {"roads": roads, "start": random.choice(towns)}
''',
)

add(
    "topological_sort",
    "graphs",
    """A student must take the courses in `courses`; each pair [before, after] in `prerequisites`
    says one course must be finished before another starts. Whenever several courses are available,
    she takes the alphabetically first. In what order does she take them, or is it impossible because
    the requirements are circular (answer null)?""",
    """Input:
  `courses` (list of str): distinct course names (up to 10).
  `prerequisites` (list of list of str): pairs [before, after] of names from `courses` (up to 15).
Output:
  `return` (list of str or null): the order in which courses are taken, or null when no order
  satisfies every requirement.""",
    '''
import heapq


def main_solution(courses, prerequisites):
    indeg = {c: 0 for c in courses}
    after = {c: [] for c in courses}
    for a, b in prerequisites:
        after[a].append(b)
        indeg[b] += 1
    ready = [c for c in courses if indeg[c] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        c = heapq.heappop(ready)
        order.append(c)
        for nxt in after[c]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                heapq.heappush(ready, nxt)
    return order if len(order) == len(courses) else None
''',
    '''
import random


def input_generator():
    names = ["art", "bio", "chem", "db", "econ", "french", "geo", "history", "isl", "java"]
    courses = random.sample(names, random.randint(2, 10))
    pairs = []
    for _ in range(random.randint(0, 15)):
        a, b = random.sample(courses, 2)
        if random.random() < 0.9 and courses.index(a) > courses.index(b):
            a, b = b, a
        pairs.append([a, b])
    return {"courses": courses, "prerequisites": pairs}
''',
)

add(
    "union_find",
    "graphs",
    """In a class of `n` students numbered 0 to n-1, each pair in `friendships` says two students are
    friends; friends of friends belong to the same group. How many separate groups are there, how many
    of the listed friendships join students who were already in the same group when that friendship
    was added in list order, and how large is the biggest group?""",
    """Input:
  `n` (int): number of students, 1 to 19.
  `friendships` (list of list of int): pairs [a, b] of student numbers (up to 19 pairs).
Output:
  `return` (dict): `groups` (int), `redundant` (int) the friendships that joined nothing new,
  `largest` (int) the size of the biggest group.""",
    '''
def main_solution(n, friendships):
    parent = list(range(n))
    size = [1] * n

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups, redundant = n, 0
    for a, b in friendships:
        ra, rb = find(a), find(b)
        if ra == rb:
            redundant += 1
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
        groups -= 1
    return {"groups": groups, "redundant": redundant,
            "largest": max(size[find(i)] for i in range(n))}
''',
    '''
import random


def input_generator():
    n = random.randint(1, 19)
    pairs = [[random.randrange(n), random.randrange(n)] for _ in range(random.randint(0, 19))]
    return {"n": n, "friendships": pairs}
''',
)

add(
    "kadane",
    "dynamic programming",
    """A trader records daily profits and losses `changes`. Which run of consecutive days has the
    largest total (the earliest such run, and the shortest among those starting there), and what is
    the largest total if the run may also wrap around from the last day to the first?""",
    """Input:
  `changes` (list of int): daily results, 1 to 18 items, may be negative.
Output:
  `return` (dict): `best_sum` (int), `start` (int) and `end` (int) the inclusive 0-based bounds of
  the best straight run, `best_circular_sum` (int) the best total when wrapping is allowed.""",
    '''
def best_run(a):
    best_sum, best, cur_sum, cur_start = a[0], (0, 0), a[0], 0
    for i in range(1, len(a)):
        if cur_sum < 0:
            cur_sum, cur_start = a[i], i
        else:
            cur_sum += a[i]
        if cur_sum > best_sum:
            best_sum, best = cur_sum, (cur_start, i)
    return best_sum, best


def main_solution(changes):
    straight, (i, j) = best_run(changes)
    circular = straight
    if straight >= 0:
        inverted, _ = best_run([-x for x in changes])
        circular = max(straight, sum(changes) + inverted)
    return {"best_sum": straight, "start": i, "end": j, "best_circular_sum": circular}
''',
    '''
import random


def input_generator():
    return {"changes": [random.randint(-20, 20) for _ in range(random.randint(1, 18))]}
''',
)

add(
    "lcs",
    "dynamic programming",
    """Two DNA-like strings `first` and `second` are compared. What is a longest sequence of
    characters that appears in both, in order but not necessarily contiguously (the one found by
    walking the standard table back from the end, preferring to drop a character of `first` on ties),
    and how many characters of each string are left out of it?""",
    """Input:
  `first` (str): letters from "ACGT", up to 15 characters.
  `second` (str): letters from "ACGT", up to 15 characters.
Output:
  `return` (dict): `common` (str) the common subsequence, `only_first` (int) and `only_second`
  (int) the number of characters of each string not in it.""",
    '''
def main_solution(first, second):
    m, n = len(first), len(second)
    t = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m):
        for j in range(n):
            if first[i] == second[j]:
                t[i + 1][j + 1] = t[i][j] + 1
            else:
                t[i + 1][j + 1] = max(t[i][j + 1], t[i + 1][j])
    i, j, out = m, n, []
    while i and j:
        if first[i - 1] == second[j - 1]:
            out.append(first[i - 1])
            i, j = i - 1, j - 1
        elif t[i - 1][j] >= t[i][j - 1]:
            i -= 1
        else:
            j -= 1
    common = "".join(reversed(out))
    return {"common": common, "only_first": m - len(common), "only_second": n - len(common)}
''',
    '''
import random


def input_generator():
    dna = lambda: "".join(random.choice("ACGT") for _ in range(random.randint(0, 15)))
    return {"first": dna(), "second": dna()}
''',
)

add(
    "insertion_sort",
    "sorting",
    """Cards with the numbers `cards` are sorted by insertion: each card in turn is moved left past
    every earlier card that should come after it. The order is ascending, or descending when
    `descending` is true. What is the final order, how many comparisons are made and how many times
    is a card shifted one place?""",
    """Input:
  `cards` (list of int): the numbers in their starting order (up to 15).
  `descending` (bool): sort from largest to smallest when true.
Output:
  `return` (dict): `order` (list of int), `comparisons` (int), `shifts` (int).""",
    '''
def main_solution(cards, descending):
    a = list(cards)
    comparisons = shifts = 0
    for i in range(1, len(a)):
        cur, j = a[i], i - 1
        while j >= 0:
            comparisons += 1
            misplaced = a[j] < cur if descending else a[j] > cur
            if not misplaced:
                break
            a[j + 1] = a[j]
            shifts += 1
            j -= 1
        a[j + 1] = cur
    return {"order": a, "comparisons": comparisons, "shifts": shifts}
''',
    '''
import random


def input_generator():
    cards = [random.randint(1, 13) for _ in range(random.randint(0, 15))]
    return {"cards": cards, "descending": random.random() < 0.5}
''',
)

# --------------------------------------------------------------------------------------------------- math
add(
    "primes",
    "number theory",
    """For a whole number `n`, what is its prime factorisation, how many primes are there up to `n`,
    and which pairs of twin primes (primes that differ by 2) lie at or below `n`?""",
    """Input:
  `n` (int): a number from 2 to 300.
Output:
  `return` (dict): `factors` (list of list of int) pairs [prime, exponent] in increasing prime order,
  `prime_count` (int) the number of primes <= n, `twin_primes` (list of list of int) the last five
  twin pairs [p, p + 2] with p + 2 <= n (fewer if there are fewer).""",
    '''
def main_solution(n):
    flags = [True] * (n + 1)
    flags[0] = flags[1] = False
    for p in range(2, int(n ** 0.5) + 1):
        if flags[p]:
            for q in range(p * p, n + 1, p):
                flags[q] = False
    primes = [i for i, f in enumerate(flags) if f]
    factors, m, d = [], n, 2
    while d * d <= m:
        e = 0
        while m % d == 0:
            m //= d
            e += 1
        if e:
            factors.append([d, e])
        d += 1
    if m > 1:
        factors.append([m, 1])
    twins = [[a, b] for a, b in zip(primes, primes[1:]) if b - a == 2]
    return {"factors": factors, "prime_count": len(primes), "twin_primes": twins[-5:]}
''',
    '''
import random


def input_generator():
    return {"n": random.randint(2, 300)}
''',
)

add(
    "gcd_lcm",
    "number theory",
    """For a list of positive integers `numbers`, what are their greatest common divisor and least
    common multiple, and for the first two numbers a and b, which integers x and y found by the
    extended Euclidean algorithm satisfy a*x + b*y = gcd(a, b)?""",
    """Input:
  `numbers` (list of int): 2 to 6 positive integers, each at most 1000.
Output:
  `return` (dict): `gcd` (int), `lcm` (int), `bezout` (list of int) the pair [x, y] given by the
  standard iterative extended Euclidean algorithm on the first two numbers.""",
    '''
def main_solution(numbers):
    def gcd(a, b):
        while b:
            a, b = b, a % b
        return a

    g, l = numbers[0], numbers[0]
    for x in numbers[1:]:
        g = gcd(g, x)
        l = l * x // gcd(l, x)
    old_r, r, old_s, s, old_t, t = numbers[0], numbers[1], 1, 0, 0, 1
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
        old_t, t = t, old_t - q * t
    return {"gcd": g, "lcm": l, "bezout": [old_s, old_t]}
''',
    '''
import random


def input_generator():
    base = random.choice([1, 2, 3, 6, 10, 12])
    return {"numbers": [base * random.randint(1, 80) for _ in range(random.randint(2, 6))]}
''',
)

add(
    "combinatorics",
    "combinatorics",
    """A club has `n` members. In how many ways can a committee of `k` members be chosen, in how many
    ways can `k` members be lined up in order, what is the n-th Catalan number, and what is row `n`
    of Pascal's triangle?""",
    """Input:
  `n` (int): number of members, 0 to 18.
  `k` (int): size of the committee, 0 to n.
Output:
  `return` (dict): `combinations` (int), `permutations` (int), `catalan` (int), `pascal_row`
  (list of int) the n+1 binomial coefficients C(n, 0) .. C(n, n).""",
    '''
from math import factorial


def main_solution(n, k):
    choose = lambda a, b: factorial(a) // (factorial(b) * factorial(a - b))
    row = [1]
    for i in range(n):
        row.append(row[-1] * (n - i) // (i + 1))
    return {
        "combinations": choose(n, k),
        "permutations": factorial(n) // factorial(n - k),
        "catalan": choose(2 * n, n) // (n + 1),
        "pascal_row": row,
    }
''',
    '''
import random


def input_generator():
    n = random.randint(0, 18)
    return {"n": n, "k": random.randint(0, n)}
''',
)

add(
    "base_conversion",
    "number bases",
    """The numeral `text` is written in base `source_base` (digits 0-9 then A-Z, possibly with a
    leading minus sign). How is the same number written in base `target_base`, and what is its value
    in decimal?""",
    """Input:
  `text` (str): the numeral, digits valid for source_base, optional leading '-'.
  `source_base` (int): 2 to 36.
  `target_base` (int): 2 to 36.
Output:
  `return` (dict): `converted` (str) the numeral in target_base using uppercase digits and a leading
  '-' for negatives, `decimal` (int) its value.""",
    '''
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def main_solution(text, source_base, target_base):
    text = text.strip().upper()
    sign = -1 if text.startswith("-") else 1
    value = 0
    for ch in text.lstrip("-"):
        value = value * source_base + DIGITS.index(ch)
    value *= sign
    n, out = abs(value), []
    while n:
        n, r = divmod(n, target_base)
        out.append(DIGITS[r])
    converted = ("-" if value < 0 else "") + ("".join(reversed(out)) or "0")
    return {"converted": converted, "decimal": value}
''',
    '''
import random


def input_generator():
    src = random.randint(2, 36)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:src]
    text = "".join(random.choice(digits) for _ in range(random.randint(1, 8)))
    if random.random() < 0.2:
        text = "-" + text
    return {"text": text, "source_base": src, "target_base": random.randint(2, 36)}
''',
)

add(
    "matrix_ops",
    "linear algebra",
    """For an integer square matrix `matrix`, what is the product of the matrix with its own
    transpose, and what is its determinant?""",
    """Input:
  `matrix` (list of list of int): an n x n matrix, 1 <= n <= 4, entries from -9 to 9.
Output:
  `return` (dict): `gram` (list of list of int) the matrix times its transpose, `determinant` (int)
  the determinant (exact; computed with fractions).""",
    '''
from fractions import Fraction


def main_solution(matrix):
    n = len(matrix)
    gram = [[sum(matrix[i][k] * matrix[j][k] for k in range(n)) for j in range(n)]
            for i in range(n)]
    a = [[Fraction(x) for x in row] for row in matrix]
    det = Fraction(1)
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            det = Fraction(0)
            break
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
            det = -det
        det *= a[col][col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            for c in range(col, n):
                a[r][c] -= f * a[col][c]
    return {"gram": gram, "determinant": int(det)}
''',
    '''
import random


def input_generator():
    n = random.randint(1, 4)
    return {"matrix": [[random.randint(-9, 9) for _ in range(n)] for _ in range(n)]}
''',
)

add(
    "numerical_integration",
    "numerical methods",
    """The polynomial with coefficients `coeffs` (highest degree first) is integrated from `a` to `b`
    using `intervals` equal sub-intervals. What are the trapezoid-rule and Simpson's-rule estimates
    (Simpson's rule rounds an odd interval count up to the next even number), rounded to 6 decimals?""",
    """Input:
  `coeffs` (list of int): polynomial coefficients, highest degree first (1 to 5 items).
  `a` (float): lower limit, `b` (float): upper limit.
  `intervals` (int): number of sub-intervals, 1 to 40.
Output:
  `return` (dict): `trapezoid` (float) and `simpson` (float), each rounded to 6 decimal places.""",
    '''
def main_solution(coeffs, a, b, intervals):
    def f(x):
        y = 0.0
        for c in coeffs:
            y = y * x + c
        return y

    h = (b - a) / intervals
    trap = h * (f(a) / 2 + sum(f(a + i * h) for i in range(1, intervals)) + f(b) / 2)
    n = intervals + intervals % 2
    h = (b - a) / n
    s = f(a) + f(b)
    s += 4 * sum(f(a + i * h) for i in range(1, n, 2))
    s += 2 * sum(f(a + i * h) for i in range(2, n, 2))
    return {"trapezoid": round(trap, 6), "simpson": round(s * h / 3, 6)}
''',
    '''
import random


def input_generator():
    a = round(random.uniform(-3, 3), 2)
    return {"coeffs": [random.randint(-5, 5) for _ in range(random.randint(1, 5))],
            "a": a, "b": round(a + random.uniform(0.1, 4), 2), "intervals": random.randint(1, 40)}
''',
)

add(
    "newton_method",
    "numerical methods",
    """Newton's method is applied to the polynomial with coefficients `coeffs` (highest degree first),
    starting from the guess `x0`, stopping when a step moves less than 1e-10 or after 60 steps. Where
    does it end (rounded to 6 decimals), how many steps does it take, and did it stop because a step
    was small? If the derivative becomes zero, it stops there without converging.""",
    """Input:
  `coeffs` (list of int): polynomial coefficients, highest degree first (2 to 5 items).
  `x0` (float): the starting guess.
Output:
  `return` (dict): `root` (float) the final estimate rounded to 6 decimals, `steps` (int) the number
  of Newton steps taken, `converged` (bool).""",
    '''
def main_solution(coeffs, x0):
    def ev(cs, x):
        y = 0.0
        for c in cs:
            y = y * x + c
        return y

    deg = len(coeffs) - 1
    deriv = [c * (deg - i) for i, c in enumerate(coeffs[:-1])]
    x = float(x0)
    for step in range(1, 61):
        d = ev(deriv, x)
        if d == 0:
            return {"root": round(x, 6), "steps": step - 1, "converged": False}
        nx = x - ev(coeffs, x) / d
        if abs(nx - x) < 1e-10:
            return {"root": round(nx, 6), "steps": step, "converged": True}
        x = nx
        if abs(x) > 1e12:
            break
    return {"root": round(x, 6), "steps": step, "converged": False}
''',
    '''
import random


def input_generator():
    coeffs = [random.choice([-2, -1, 1, 2])] + [random.randint(-6, 6) for _ in range(random.randint(1, 4))]
    return {"coeffs": coeffs, "x0": round(random.uniform(-5, 5), 2)}
''',
)

add(
    "collatz",
    "number theory",
    """Starting from the number `start`, repeatedly halve it when even and replace it by 3n + 1 when
    odd, until it reaches 1. How many steps does that take, what is the highest value reached, and
    which number below `limit` needs the most steps (the smallest such number on ties)?""",
    """Input:
  `start` (int): 1 to 10000.
  `limit` (int): 2 to 300.
Output:
  `return` (dict): `steps` (int), `peak` (int), `longest_below_limit` (int).""",
    '''
def main_solution(start, limit):
    def walk(n):
        steps, peak = 0, n
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
            peak = max(peak, n)
        return steps, peak

    steps, peak = walk(start)
    best = max(range(1, limit), key=lambda n: (walk(n)[0], -n))
    return {"steps": steps, "peak": peak, "longest_below_limit": best}
''',
    '''
import random


def input_generator():
    return {"start": random.randint(1, 10000), "limit": random.randint(2, 300)}
''',
)

add(
    "fibonacci_matrix",
    "number theory",
    """What is the n-th Fibonacci number (F(0) = 0, F(1) = 1) modulo `mod`, computed for a possibly
    huge index `n`, and after how many terms does the Fibonacci sequence modulo `mod` start repeating
    (its Pisano period)?""",
    """Input:
  `n` (int): the index, 0 to 10**15.
  `mod` (int): the modulus, 2 to 60.
Output:
  `return` (dict): `fib_mod` (int) F(n) mod `mod`, `pisano_period` (int).""",
    '''
def main_solution(n, mod):
    def mul(a, b):
        return [[(a[0][0] * b[0][0] + a[0][1] * b[1][0]) % mod,
                 (a[0][0] * b[0][1] + a[0][1] * b[1][1]) % mod],
                [(a[1][0] * b[0][0] + a[1][1] * b[1][0]) % mod,
                 (a[1][0] * b[0][1] + a[1][1] * b[1][1]) % mod]]

    result, m, p = [[1, 0], [0, 1]], [[1, 1], [1, 0]], n
    while p:
        if p & 1:
            result = mul(result, m)
        m = mul(m, m)
        p >>= 1
    prev, cur, period = 0, 1, 0
    while True:
        prev, cur = cur, (prev + cur) % mod
        period += 1
        if prev == 0 and cur == 1:
            break
    return {"fib_mod": result[0][1], "pisano_period": period}
''',
    '''
import random


def input_generator():
    return {"n": random.choice([random.randint(0, 50), random.randint(0, 10**15)]),
            "mod": random.randint(2, 60)}
''',
)

add(
    "perfect_numbers",
    "number theory",
    """For the number `n`, how many divisors does it have, what is its largest divisor other than
    itself, and is it perfect (its proper divisors add up to exactly n), abundant (they add up to more)
    or deficient (less)?""",
    """Input:
  `n` (int): 1 to 10000.
Output:
  `return` (dict): `divisor_count` (int) the number of divisors including 1 and n,
  `largest_proper` (int) the largest divisor below n (0 for n = 1), `aliquot_sum` (int) the sum of
  the proper divisors, `kind` (str) one of "perfect", "abundant", "deficient".""",
    '''
def main_solution(n):
    small, large, d = [], [], 1
    while d * d <= n:
        if n % d == 0:
            small.append(d)
            if d != n // d:
                large.append(n // d)
        d += 1
    divisors = small + large[::-1]
    s = sum(divisors) - n
    kind = "perfect" if s == n else ("abundant" if s > n else "deficient")
    return {"divisor_count": len(divisors), "largest_proper": max(divisors[:-1], default=0),
            "aliquot_sum": s, "kind": kind}
''',
    '''
import random


def input_generator():
    return {"n": random.choice([6, 28, 496, 8128, random.randint(1, 200), random.randint(1, 10000)])}
''',
)

# ---------------------------------------------------------------------------------------------- simulations
add(
    "game_of_life",
    "simulation",
    """A board for Conway's Game of Life is given as rows of text `board`, '#' for a live cell and '.'
    for a dead one; cells beyond the edges count as dead. A live cell with two or three live
    neighbours survives, a dead cell with exactly three comes alive, every other cell is dead next
    generation. What does the board look like after `generations` steps, and how many cells live?""",
    """Input:
  `board` (list of str): equal-length rows of '#' and '.', up to 8 rows of up to 8 characters.
  `generations` (int): number of steps, 0 to 10.
Output:
  `return` (dict): `board` (list of str) the final rows in the same notation, `population` (int)
  the number of live cells at the end.""",
    '''
def main_solution(board, generations):
    grid = [[ch == "#" for ch in row] for row in board]
    rows, cols = len(grid), len(grid[0])
    for _ in range(generations):
        nxt = []
        for r in range(rows):
            line = []
            for c in range(cols):
                n = sum(grid[rr][cc] for rr in range(max(r - 1, 0), min(r + 2, rows))
                        for cc in range(max(c - 1, 0), min(c + 2, cols))) - grid[r][c]
                line.append(n == 3 or (grid[r][c] and n == 2))
            nxt.append(line)
        grid = nxt
    return {"board": ["".join("#" if x else "." for x in row) for row in grid],
            "population": sum(map(sum, grid))}
''',
    '''
import random


def input_generator():
    rows, cols, p = random.randint(3, 8), random.randint(3, 8), random.uniform(0.2, 0.5)
    board = ["".join("#" if random.random() < p else "." for _ in range(cols)) for _ in range(rows)]
    return {"board": board, "generations": random.randint(0, 10)}
''',
)

add(
    "elementary_automaton",
    "simulation",
    """A row of cells `cells` (a string of '0' and '1') evolves under Wolfram's elementary rule number
    `rule`: each cell's next state is bit number (4*left + 2*self + right) of the rule, with the row
    wrapping around at both ends. What is the row after `steps` steps, and how many live cells are
    there after each step (starting with the initial row)?""",
    """Input:
  `cells` (str): '0'/'1' characters, 3 to 40 of them.
  `rule` (int): 0 to 255.
  `steps` (int): 0 to 15.
Output:
  `return` (dict): `final` (str) the row after the last step, `live_counts` (list of int) the
  number of '1' cells in the initial row and after each step (steps + 1 numbers).""",
    '''
def main_solution(cells, rule, steps):
    row = [int(ch) for ch in cells]
    n = len(row)
    counts = [sum(row)]
    for _ in range(steps):
        row = [(rule >> (4 * row[i - 1] + 2 * row[i] + row[(i + 1) % n])) & 1 for i in range(n)]
        counts.append(sum(row))
    return {"final": "".join(map(str, row)), "live_counts": counts}
''',
    '''
import random


def input_generator():
    n = random.randint(3, 40)
    cells = "".join(random.choice("0001") for _ in range(n))
    return {"cells": cells, "rule": random.choice([30, 90, 110, 184, random.randint(0, 255)]),
            "steps": random.randint(0, 15)}
''',
)

add(
    "queue_simulation",
    "simulation",
    """Customers arrive at a bank with a single teller. The i-th entry of `gaps` is the number of minutes
    between the previous arrival (or opening time 0) and customer i's arrival, and the i-th entry of
    `services` is how long the teller needs for customer i; customers are served first come, first served. What is the average
    wait before service (rounded to 3 decimals), the longest wait, the largest number of earlier
    customers still in the bank when someone arrives, and the time the teller finishes?""",
    """Input:
  `gaps` (list of int): minutes between arrivals, each 0 to 6 (1 to 18 customers).
  `services` (list of int): service minutes, each 1 to 8, same length as gaps.
Output:
  `return` (dict): `average_wait` (float), `max_wait` (int), `longest_queue` (int),
  `finish_time` (int).""",
    '''
def main_solution(gaps, services):
    t, free_at, waits, departures, longest = 0, 0, [], [], 0
    for gap, service in zip(gaps, services):
        t += gap
        start = max(t, free_at)
        waits.append(start - t)
        longest = max(longest, sum(1 for d in departures if d > t))
        free_at = start + service
        departures.append(free_at)
    return {"average_wait": round(sum(waits) / len(waits), 3), "max_wait": max(waits),
            "longest_queue": longest, "finish_time": free_at}
''',
    '''
import random


def input_generator():
    n = random.randint(1, 18)
    return {"gaps": [random.randint(0, 6) for _ in range(n)],
            "services": [random.randint(1, 8) for _ in range(n)]}
''',
)

add(
    "bank_accounts",
    "simulation",
    """A small bank holds the accounts in `accounts`, each name mapped to [balance, overdraft limit].
    The commands in `commands` are applied in order: "deposit NAME X", "withdraw NAME X",
    "transfer FROM TO X" and "interest P" (every positive balance grows by P percent, rounded down).
    A withdrawal or transfer that would take a balance below minus its overdraft limit is refused and
    changes nothing, as is any command other than "interest" whose amount is not positive. What are the final balances and how many commands
    were refused?""",
    """Input:
  `accounts` (dict): account name (str) -> [balance (int), overdraft limit (int)]; 2 to 4 accounts.
  `commands` (list of str): up to 12 commands as described, amounts are integers.
Output:
  `return` (dict): `balances` (dict, name -> int) and `refused` (int).""",
    '''
def main_solution(accounts, commands):
    bal = {k: v[0] for k, v in accounts.items()}
    limit = {k: v[1] for k, v in accounts.items()}
    refused = 0
    for command in commands:
        op, *args = command.split()
        if op == "interest":
            for k in bal:
                if bal[k] > 0:
                    bal[k] += bal[k] * int(args[0]) // 100
            continue
        amount = int(args[-1])
        src = args[0] if op in ("withdraw", "transfer") else None
        dst = args[-2] if op in ("deposit", "transfer") else None
        if amount <= 0 or (src and bal[src] - amount < -limit[src]):
            refused += 1
            continue
        if src:
            bal[src] -= amount
        if dst:
            bal[dst] += amount
    return {"balances": {k: bal[k] for k in sorted(bal)}, "refused": refused}
''',
    '''
import random


def input_generator():
    names = random.sample(["ann", "bob", "cy", "dee"], random.randint(2, 4))
    accounts = {n: [random.randint(0, 200), random.choice([0, 0, 50])] for n in names}
    commands = []
    for _ in range(random.randint(0, 12)):
        kind, amount = random.choice(["deposit", "withdraw", "transfer", "interest"]), random.randint(-5, 150)
        if kind == "interest":
            commands.append(f"interest {random.randint(1, 10)}")
        elif kind == "transfer":
            a, b = random.sample(names, 2)
            commands.append(f"transfer {a} {b} {amount}")
        else:
            commands.append(f"{kind} {random.choice(names)} {amount}")
    return {"accounts": accounts, "commands": commands}
''',
)

add(
    "elevator",
    "simulation",
    """An elevator standing at floor `start` and moving in direction `direction` ("up" or "down")
    must visit the floors in `requests`. It keeps going in its direction, stopping at the nearest
    requested floor ahead (its own floor counts as ahead), and turns around only when nothing is left
    ahead. In what order does it stop, and how many floors does it travel in total?""",
    """Input:
  `start` (int): the starting floor, 0 to 30.
  `direction` (str): "up" or "down".
  `requests` (list of int): requested floors, 0 to 30, duplicates allowed (up to 12).
Output:
  `return` (dict): `stops` (list of int) the distinct requested floors in visiting order,
  `travelled` (int) the total number of floors moved.""",
    '''
def main_solution(start, direction, requests):
    pending = sorted(set(requests))
    pos, step, travelled, stops = start, 1 if direction == "up" else -1, 0, []
    while pending:
        ahead = [f for f in pending if (f - pos) * step >= 0]
        if not ahead:
            step = -step
            continue
        target = min(ahead, key=lambda f: abs(f - pos))
        travelled += abs(target - pos)
        pos = target
        stops.append(target)
        pending.remove(target)
    return {"stops": stops, "travelled": travelled}
''',
    '''
import random


def input_generator():
    return {"start": random.randint(0, 30), "direction": random.choice(["up", "down"]),
            "requests": [random.randint(0, 30) for _ in range(random.randint(0, 12))]}
''',
)

add(
    "vending_machine",
    "simulation",
    """A vending machine sells A1 for 120, A2 for 85, B1 for 150 and B2 for 60 cents, holding the
    items in `stock` (code -> count; missing codes are sold out). It accepts coins of 200, 100, 50,
    20, 10 and 5 cents and hands any other coin straight back. The actions in `actions` are "coin V"
    or "select CODE"; a selection succeeds when the item is in stock and the inserted credit covers
    the price, and then the machine pays back the change greedily with the largest coins first and
    clears the credit. A failed selection keeps the credit. Which items were sold, how much change
    was paid in total, how many coins were rejected and how much credit is left at the end?""",
    """Input:
  `stock` (dict): item code (str) -> count (int), codes among A1, A2, B1, B2.
  `actions` (list of str): up to 15 actions, "coin V" (V an int) or "select CODE".
Output:
  `return` (dict): `sold` (list of str) codes in order of sale, `change_paid` (int) total change
  returned by sales, `change_coins` (int) the number of coins paid back as change, `rejected`
  (int) the number of refused coins, `credit` (int) credit left.""",
    '''
PRICES = {"A1": 120, "A2": 85, "B1": 150, "B2": 60}
COINS = (200, 100, 50, 20, 10, 5)


def main_solution(stock, actions):
    stock = dict(stock)
    credit, sold, paid, ncoins, rejected = 0, [], 0, 0, 0
    for action in actions:
        kind, arg = action.split()
        if kind == "coin":
            if int(arg) in COINS:
                credit += int(arg)
            else:
                rejected += 1
        elif stock.get(arg, 0) > 0 and credit >= PRICES.get(arg, 10**9):
            stock[arg] -= 1
            sold.append(arg)
            change = credit - PRICES[arg]
            paid += change
            for c in COINS:
                ncoins += change // c
                change %= c
            credit = 0
    return {"sold": sold, "change_paid": paid, "change_coins": ncoins,
            "rejected": rejected, "credit": credit}
''',
    '''
import random


def input_generator():
    codes = ["A1", "A2", "B1", "B2"]
    stock = {c: random.randint(0, 2) for c in random.sample(codes, random.randint(1, 4))}
    actions = []
    for _ in range(random.randint(1, 15)):
        if random.random() < 0.65:
            actions.append(f"coin {random.choice([200, 100, 50, 20, 10, 5, 5, 2, 1])}")
        else:
            actions.append(f"select {random.choice(codes)}")
    return {"stock": stock, "actions": actions}
''',
)

add(
    "langtons_ant",
    "simulation",
    """Langton's ant walks on a `size` x `size` board of white cells that wraps around at the edges,
    starting in the middle cell (row and column size // 2) facing up. On a white cell it turns right,
    on a black cell left; it then flips the cell's colour and moves one cell forward. After `steps`
    moves, how many cells are black, where is the ant and which way is it facing?""",
    """Input:
  `size` (int): board side, 3 to 15.
  `steps` (int): number of moves, 0 to 2000.
Output:
  `return` (dict): `black` (int), `row` (int), `col` (int), `facing` (str) one of "U", "R", "D",
  "L".""",
    '''
def main_solution(size, steps):
    black = [[False] * size for _ in range(size)]
    r = c = size // 2
    heading = 0
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    for _ in range(steps):
        heading = (heading + (-1 if black[r][c] else 1)) % 4
        black[r][c] = not black[r][c]
        r, c = (r + moves[heading][0]) % size, (c + moves[heading][1]) % size
    return {"black": sum(map(sum, black)), "row": r, "col": c, "facing": "URDL"[heading]}
''',
    '''
import random


def input_generator():
    return {"size": random.randint(3, 15), "steps": random.randint(0, 2000)}
''',
)

add(
    "josephus",
    "simulation",
    """`n` people numbered 1 to n stand in a circle. Counting starts at person 1, and every `k`-th
    person still standing is removed, counting on from the next person. In what order are people
    removed, and who is left last?""",
    """Input:
  `n` (int): number of people, 1 to 19.
  `k` (int): the counting step, 1 to 25.
Output:
  `return` (dict): `order` (list of int) the people in order of removal (the last one included),
  `survivor` (int).""",
    '''
def main_solution(n, k):
    circle = list(range(1, n + 1))
    order, i = [], 0
    while circle:
        i = (i + k - 1) % len(circle)
        order.append(circle.pop(i))
    return {"order": order, "survivor": order[-1]}
''',
    '''
import random


def input_generator():
    return {"n": random.randint(1, 19), "k": random.randint(1, 25)}
''',
)

# -------------------------------------------------------------------------------------- strings and data
add(
    "run_length_encoding",
    "strings",
    """The text `text` is compressed with run-length encoding, writing each run of equal characters as
    its length followed by the character (so "aaab" becomes "3a1b"). What is the encoded string, how
    many runs are there, and what is the length of the code divided by the length of the text
    (rounded to 3 decimals; 1.0 for empty text)?""",
    """Input:
  `text` (str): letters only, up to 40 characters.
Output:
  `return` (dict): `encoded` (str), `runs` (int), `ratio` (float).""",
    '''
def main_solution(text):
    runs = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1][1] += 1
        else:
            runs.append([ch, 1])
    encoded = "".join(f"{n}{ch}" for ch, n in runs)
    ratio = round(len(encoded) / len(text), 3) if text else 1.0
    return {"encoded": encoded, "runs": len(runs), "ratio": ratio}
''',
    '''
import random


def input_generator():
    parts = [random.choice("abcXY") * random.randint(1, 9) for _ in range(random.randint(0, 8))]
    return {"text": "".join(parts)[:40]}
''',
)

add(
    "caesar_cipher",
    "ciphers",
    """The message `message` is encrypted with a Caesar shift of `key` (letters move forward in the
    alphabet, wrapping around, keeping case; other characters stay). Then a code breaker guesses the
    key by assuming that the most frequent letter of the ciphertext (case-insensitive, the
    alphabetically first on ties) stands for 'e'. What is the ciphertext, what key does the code
    breaker guess, and does the guess recover the message?""",
    """Input:
  `message` (str): an English sentence, up to 80 characters.
  `key` (int): the shift, 0 to 25.
Output:
  `return` (dict): `ciphertext` (str), `guessed_key` (int, 0 when there are no letters), `cracked`
  (bool) whether decrypting with the guessed key gives back the message.""",
    '''
def main_solution(message, key):
    def shift(text, k):
        out = []
        for ch in text:
            if "a" <= ch <= "z":
                ch = chr((ord(ch) - 97 + k) % 26 + 97)
            elif "A" <= ch <= "Z":
                ch = chr((ord(ch) - 65 + k) % 26 + 65)
            out.append(ch)
        return "".join(out)

    cipher = shift(message, key)
    counts = {}
    for ch in cipher.lower():
        if "a" <= ch <= "z":
            counts[ch] = counts.get(ch, 0) + 1
    guess = 0
    if counts:
        top = min(counts, key=lambda c: (-counts[c], c))
        guess = (ord(top) - ord("e")) % 26
    return {"ciphertext": cipher, "guessed_key": guess, "cracked": shift(cipher, -guess) == message}
''',
    '''
import random


def input_generator():
    words = ["the", "tree", "seven", "meet", "me", "river", "green", "sleep", "quiz", "box", "jumps", "Here"]
    message = " ".join(random.choice(words) for _ in range(random.randint(1, 9)))
    return {"message": message + random.choice(["", ".", "!"]), "key": random.randint(0, 25)}
''',
)

add(
    "vigenere_cipher",
    "ciphers",
    """A text `text` is processed with the Vigenère cipher under the keyword `keyword`: the i-th letter
    of the text (counting only ASCII letters) is shifted by the alphabet position (A = 0) of the
    i-th letter of the keyword, repeating the keyword as needed; case is kept and other characters
    are copied. Shifts go forward when `mode` is "encrypt" and backward when it is "decrypt". What is
    the result?""",
    """Input:
  `text` (str): up to 60 characters.
  `keyword` (str): 1 to 10 letters.
  `mode` (str): "encrypt" or "decrypt".
Output:
  `return` (str): the transformed text.""",
    '''
def main_solution(text, keyword, mode):
    sign = 1 if mode == "encrypt" else -1
    shifts = [ord(k) - ord("A") for k in keyword.upper()]
    out, i = [], 0
    for ch in text:
        if ch.isascii() and ch.isalpha():
            base = ord("A") if ch.isupper() else ord("a")
            out.append(chr((ord(ch) - base + sign * shifts[i % len(shifts)]) % 26 + base))
            i += 1
        else:
            out.append(ch)
    return "".join(out)
''',
    '''
import random
import string


def input_generator():
    alphabet = string.ascii_letters + "  ,.!"
    text = "".join(random.choice(alphabet) for _ in range(random.randint(0, 60)))
    keyword = "".join(random.choice(string.ascii_uppercase) for _ in range(random.randint(1, 10)))
    return {"text": text, "keyword": keyword, "mode": random.choice(["encrypt", "decrypt"])}
''',
)

add(
    "anagrams",
    "strings",
    """The words in `words` are grouped so that words made of the same letters (ignoring case) are in
    one group. Which groups have at least two words, and are the two phrases `phrase_a` and
    `phrase_b` anagrams of each other when only their letters count (ignoring case, spaces and
    punctuation)?""",
    """Input:
  `words` (list of str): up to 15 lowercase words.
  `phrase_a` (str), `phrase_b` (str): short phrases, up to 30 characters.
Output:
  `return` (dict): `groups` (list of list of str) each group's words sorted (duplicates kept), groups
  ordered by their first word; `phrases_match` (bool).""",
    '''
def main_solution(words, phrase_a, phrase_b):
    groups = {}
    for w in words:
        groups.setdefault("".join(sorted(w.lower())), []).append(w)
    found = sorted(sorted(g) for g in groups.values() if len(g) >= 2)
    letters = lambda s: sorted(ch for ch in s.lower() if ch.isalpha())
    return {"groups": found, "phrases_match": letters(phrase_a) == letters(phrase_b)}
''',
    '''
import random


def input_generator():
    pool = ["listen", "silent", "enlist", "tinsel", "cat", "act", "tac", "dog", "god", "stone",
            "tones", "notes", "onset", "apple", "paper", "night", "thing", "evil", "vile", "live"]
    phrases = [("Dormitory", "dirty room"), ("The eyes", "they see"), ("Astronomer", "moon starer"),
               ("Listen", "Silent!"), ("hello", "world"), ("Conversation", "voices rant on"), ("abc", "abd")]
    a, b = random.choice(phrases)
    if random.random() < 0.3:
        a, b = b, a
    return {"words": random.sample(pool, random.randint(0, 15)), "phrase_a": a, "phrase_b": b}
''',
)

add(
    "expression_parser",
    "parsing",
    """An arithmetic expression `expression` uses non-negative integers, + - * / % and parentheses,
    where / is division rounded down and %, * and / bind tighter than + and -; operators of the same
    strength are applied left to right. What is its value, and what is the expression in reverse
    Polish notation (tokens separated by single spaces)? If a division or remainder by zero happens,
    the value is null.""",
    """Input:
  `expression` (str): a well-formed expression, up to 60 characters, spaces allowed.
Output:
  `return` (dict): `rpn` (str) the postfix form, `value` (int or null).""",
    '''
import re

PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}


def main_solution(expression):
    out, stack = [], []
    for t in re.findall(r"\\d+|[-+*/%()]", expression):
        if t.isdigit():
            out.append(t)
        elif t == "(":
            stack.append(t)
        elif t == ")":
            while stack[-1] != "(":
                out.append(stack.pop())
            stack.pop()
        else:
            while stack and stack[-1] != "(" and PREC[stack[-1]] >= PREC[t]:
                out.append(stack.pop())
            stack.append(t)
    out += reversed(stack)
    vals = []
    for t in out:
        if t.isdigit():
            vals.append(int(t))
            continue
        b, a = vals.pop(), vals.pop()
        if t in "/%" and b == 0:
            return {"rpn": " ".join(out), "value": None}
        vals.append(a + b if t == "+" else a - b if t == "-" else a * b if t == "*"
                    else a // b if t == "/" else a % b)
    return {"rpn": " ".join(out), "value": vals[0]}
''',
    '''
import random


def input_generator():
    def expr(depth):
        if depth == 0 or random.random() < 0.3:
            return str(random.randint(0, 20))
        left, right = expr(depth - 1), expr(depth - 1)
        text = f"{left} {random.choice('+-*/%')} {right}"
        return f"({text})" if random.random() < 0.4 else text

    e = expr(3)
    while len(e) > 60:
        e = expr(2)
    return {"expression": e}
''',
)

add(
    "word_frequency",
    "text processing",
    """In the text `text`, words are runs of letters and apostrophes, compared in lowercase. Leaving
    out the stop words "the a an and of to in is it" when `skip_stop_words` is true, which `top_n`
    words occur most often (more frequent first, then alphabetically), and how many distinct words
    are counted?""",
    """Input:
  `text` (str): up to 99 characters of English text.
  `top_n` (int): 1 to 5.
  `skip_stop_words` (bool).
Output:
  `return` (dict): `top` (list of list) pairs [word (str), count (int)], at most top_n of them;
  `distinct` (int) the number of distinct counted words.""",
    '''
import re

STOP = ("the", "a", "an", "and", "of", "to", "in", "is", "it")


def main_solution(text, top_n, skip_stop_words):
    counts = {}
    for w in re.findall(r"[a-z']+", text.lower()):
        if skip_stop_words and w in STOP:
            continue
        counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"top": [[w, c] for w, c in ranked[:top_n]], "distinct": len(counts)}
''',
    '''
import random


def input_generator():
    vocab = ["it", "was", "the", "best", "of", "times", "worst", "age", "wisdom", "a", "and",
             "don't", "is", "to", "in", "light", "dark", "spring", "hope"]
    words, length = [], 0
    while length < random.randint(10, 90):
        words.append(random.choice(vocab))
        length += len(words[-1]) + 1
    text = " ".join(words).capitalize() + "."
    return {"text": text[:99], "top_n": random.randint(1, 5), "skip_stop_words": random.random() < 0.5}
''',
)

add(
    "roman_numerals",
    "number bases",
    """The year `year` is written in Roman numerals in the standard subtractive form (IV, IX, XL, XC,
    CD, CM). What is that numeral, how many symbols does it use, and what number does the Roman
    numeral `numeral` stand for (adding each symbol's value, or subtracting it when a larger symbol
    follows)?""",
    """Input:
  `year` (int): 1 to 3999.
  `numeral` (str): a Roman numeral in standard form for a number from 1 to 3999.
Output:
  `return` (dict): `roman` (str), `length` (int), `value` (int) the value of `numeral`.""",
    '''
PAIRS = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def main_solution(year, numeral):
    out, n = "", year
    for value, sym in PAIRS:
        count, n = divmod(n, value)
        out += sym * count
    single = {s: v for v, s in PAIRS if len(s) == 1}
    total = 0
    for i, ch in enumerate(numeral):
        v = single[ch]
        nxt = single[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -v if nxt > v else v
    return {"roman": out, "length": len(out), "value": total}
''',
    '''
import random


def input_generator():
    pairs = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    n, numeral = random.randint(1, 3999), ""
    for value, sym in pairs:
        count, n = divmod(n, value)
        numeral += sym * count
    return {"year": random.randint(1, 3999), "numeral": numeral}
''',
)

add(
    "flatten_json",
    "data processing",
    """A nested JSON document `document` (objects and arrays) is flattened into a single-level
    mapping: each leaf value gets a key made of the path to it joined with `separator`, using array
    positions as path parts. Empty objects and arrays produce no keys. What is the flat mapping
    (keys in sorted order), and how deep is the deepest leaf (top-level keys have depth 1)?""",
    """Input:
  `document` (dict): nested dicts and lists with string, int, bool or null leaves; at most 12 leaves.
  `separator` (str): one of ".", "/", "_".
Output:
  `return` (dict): `flat` (dict, path str -> leaf value) and `max_depth` (int, 0 when there is no
  leaf).""",
    '''
def main_solution(document, separator):
    flat, depth = {}, 0

    def walk(node, path):
        nonlocal depth
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            flat[separator.join(path)] = node
            depth = max(depth, len(path))
            return
        for key, value in items:
            walk(value, path + [str(key)])

    walk(document, [])
    return {"flat": {k: flat[k] for k in sorted(flat)}, "max_depth": depth}
''',
    '''
import random


def input_generator():
    budget = [random.randint(1, 12)]
    keys = ["id", "name", "tags", "meta", "x", "y", "on", "user", "city", "v"]

    def leaf():
        budget[0] -= 1
        return random.choice([random.randint(-99, 99), random.choice(keys), True, False, None])

    def node(depth):
        if depth > 3 or budget[0] <= 1 or random.random() < 0.4:
            return leaf()
        if random.random() < 0.3:
            return [node(depth + 1) for _ in range(random.randint(0, 3)) if budget[0] > 0]
        return {k: node(depth + 1) for k in random.sample(keys, random.randint(1, 3)) if budget[0] > 0}

    doc = {k: node(1) for k in random.sample(keys, random.randint(1, 4)) if budget[0] > 0}
    return {"document": doc, "separator": random.choice([".", "/", "_"])}
''',
)

add(
    "balanced_brackets",
    "parsing",
    """Are the brackets (), [] and {} in the string `text` balanced and properly nested (other
    characters are ignored)? If not, at which position is the first problem: a closing bracket with no
    matching opener, or, if the text ends with unclosed brackets, the earliest unclosed opener? How
    deeply are the brackets nested at most (counting only openers still open)?""",
    """Input:
  `text` (str): up to 40 characters.
Output:
  `return` (dict): `balanced` (bool), `error_index` (int, -1 when balanced), `max_depth` (int) the
  greatest number of open brackets at any point up to the first error (or the end).""",
    '''
def main_solution(text):
    match = {")": "(", "]": "[", "}": "{"}
    stack, depth = [], 0
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append((ch, i))
            depth = max(depth, len(stack))
        elif ch in match:
            if not stack or stack[-1][0] != match[ch]:
                return {"balanced": False, "error_index": i, "max_depth": depth}
            stack.pop()
    if stack:
        return {"balanced": False, "error_index": stack[0][1], "max_depth": depth}
    return {"balanced": True, "error_index": -1, "max_depth": depth}
''',
    '''
import random


def input_generator():
    def balanced(depth):
        if depth == 0 or random.random() < 0.3:
            return random.choice(["", "x", "a1"])
        o, c = random.choice(["()", "[]", "{}"])
        return o + balanced(depth - 1) + c + balanced(depth - 1)

    text = balanced(4)[:40]
    if text and random.random() < 0.5:
        i = random.randrange(len(text))
        text = text[:i] + random.choice("()[]{}") + text[i + 1:]
    return {"text": text}
''',
)

add(
    "longest_palindrome",
    "strings",
    """In the string `s`, what is the longest contiguous piece that reads the same forwards and
    backwards (the leftmost one if several are equally long), and how many contiguous pieces, counted
    by position, are palindromes?""",
    """Input:
  `s` (str): lowercase letters, up to 40 characters.
Output:
  `return` (dict): `longest` (str) the longest palindromic substring ("" for empty s), `count` (int)
  the number of palindromic substrings counted with their positions.""",
    '''
def main_solution(s):
    best, count = (0, 0), 0
    for center in range(2 * len(s) - 1):
        lo, hi = center // 2, center // 2 + center % 2
        while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
            count += 1
            lo -= 1
            hi += 1
        if hi - lo - 1 > best[1] - best[0]:
            best = (lo + 1, hi)
    return {"longest": s[best[0]:best[1]], "count": count}
''',
    '''
import random


def input_generator():
    letters = random.choice(["ab", "abc", "abcd", "xyz"])
    s = "".join(random.choice(letters) for _ in range(random.randint(0, 20)))
    if s and random.random() < 0.4:
        s = s + s[::-1][random.randint(0, 1):]
    return {"s": s[:40]}
''',
)

# --------------------------------------------------------------------------------------------------- games
add(
    "tic_tac_toe",
    "games",
    """A tic-tac-toe board is given as three rows `rows` of 'X', 'O' and '.' (empty). X always moves
    first and play stops as soon as someone has three in a row. What is the state of the game: "X
    wins", "O wins", "draw", "X to move", "O to move", or "invalid" when the position cannot arise in
    a real game? Also, how many of the eight lines are complete for the winner (0 when nobody won)?""",
    """Input:
  `rows` (list of str): three strings of three characters from "XO.".
Output:
  `return` (dict): `status` (str) one of the six states, `winning_lines` (int).""",
    '''
LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def main_solution(rows):
    cells = "".join(rows)
    x, o = cells.count("X"), cells.count("O")
    xw = sum(all(cells[i] == "X" for i in line) for line in LINES)
    ow = sum(all(cells[i] == "O" for i in line) for line in LINES)
    if x not in (o, o + 1) or (xw and ow) or (xw and x != o + 1) or (ow and x != o):
        return {"status": "invalid", "winning_lines": 0}
    if xw or ow:
        return {"status": "X wins" if xw else "O wins", "winning_lines": xw + ow}
    if x + o == 9:
        return {"status": "draw", "winning_lines": 0}
    return {"status": "X to move" if x == o else "O to move", "winning_lines": 0}
''',
    '''
import random


def input_generator():
    cells = ["."] * 9
    if random.random() < 0.15:
        cells = [random.choice("XO.") for _ in range(9)]
    else:
        order = random.sample(range(9), random.randint(0, 9))
        for turn, cell in enumerate(order):
            cells[cell] = "XO"[turn % 2]
    text = "".join(cells)
    return {"rows": [text[0:3], text[3:6], text[6:9]]}
''',
)

add(
    "n_queens",
    "games",
    """In how many ways can `n` queens be placed on an n x n chessboard so that no two attack each
    other, and, listing each placement as the column of the queen in every row from top to bottom,
    which placement comes first in lexicographic order?""",
    """Input:
  `n` (int): board size, 1 to 8.
Output:
  `return` (dict): `count` (int) the number of placements, `first` (list of int or null) the
  0-based columns of the lexicographically first placement, null when there is none.""",
    '''
def main_solution(n):
    count, first, cols = 0, None, []

    def place(row, used, d1, d2):
        nonlocal count, first
        if row == n:
            count += 1
            if first is None:
                first = list(cols)
            return
        for c in range(n):
            if c in used or (row - c) in d1 or (row + c) in d2:
                continue
            cols.append(c)
            place(row + 1, used | {c}, d1 | {row - c}, d2 | {row + c})
            cols.pop()

    place(0, frozenset(), frozenset(), frozenset())
    return {"count": count, "first": first}
''',
    '''
import random


def input_generator():
    return {"n": random.randint(1, 8)}
''',
)

add(
    "sudoku_validator",
    "games",
    """A partly filled 9 x 9 Sudoku grid `grid` uses 0 for empty cells. Does any row, column or 3 x 3
    box contain the same digit twice? How many of the 27 units (rows, columns, boxes) contain such a
    repeat, how many cells are still empty, and is the grid a complete, correct solution?""",
    """Input:
  `grid` (list of list of int): 9 rows of 9 digits, 0 to 9.
Output:
  `return` (dict): `valid` (bool) no unit has a repeated digit, `bad_units` (int), `empty` (int),
  `solved` (bool) valid and no empty cell.""",
    '''
def main_solution(grid):
    units = [list(row) for row in grid]
    units += [[grid[r][c] for r in range(9)] for c in range(9)]
    units += [[grid[r][c] for r in range(br, br + 3) for c in range(bc, bc + 3)]
              for br in (0, 3, 6) for bc in (0, 3, 6)]
    bad = 0
    for unit in units:
        digits = [v for v in unit if v]
        if len(digits) != len(set(digits)):
            bad += 1
    empty = sum(row.count(0) for row in grid)
    return {"valid": bad == 0, "bad_units": bad, "empty": empty, "solved": bad == 0 and empty == 0}
''',
    '''
import random


def input_generator():
    digits = random.sample(range(1, 10), 9)
    rows = [g * 3 + r for g in random.sample(range(3), 3) for r in random.sample(range(3), 3)]
    cols = [g * 3 + c for g in random.sample(range(3), 3) for c in random.sample(range(3), 3)]
    grid = [[digits[(3 * (r % 3) + r // 3 + c) % 9] for c in cols] for r in rows]
    for _ in range(random.choice([0, 10, 30, 50])):
        grid[random.randrange(9)][random.randrange(9)] = 0
    for _ in range(random.choice([0, 0, 1, 2])):
        grid[random.randrange(9)][random.randrange(9)] = random.randint(1, 9)
    return {"grid": grid}
''',
)

add(
    "nim",
    "games",
    """In the game of Nim with heaps of `heaps` stones, two players alternately remove any positive
    number of stones from a single heap, and whoever takes the last stone wins. What is the nim-sum
    (XOR) of the heaps, which move wins for the player about to move (the first heap, from the left,
    that can be reduced to make the nim-sum zero, and its new size), and who wins when both play on:
    the side in a losing position takes one stone from the largest heap (leftmost on ties), the other
    always plays that winning move? How many moves does the game last?""",
    """Input:
  `heaps` (list of int): 1 to 6 heap sizes, each 0 to 15.
Output:
  `return` (dict): `nim_sum` (int), `winning_move` (list of int or null) [heap index, new size] or
  null when no winning move exists, `winner` (str) "first" or "second", `moves` (int).""",
    '''
def main_solution(heaps):
    def best_move(hs):
        s = 0
        for h in hs:
            s ^= h
        for i, h in enumerate(hs):
            if s and h ^ s < h:
                return s, [i, h ^ s]
        return s, None

    nim_sum, first_move = best_move(heaps)
    hs, moves = list(heaps), 0
    while any(hs):
        _, move = best_move(hs)
        if move is None:
            hs[hs.index(max(hs))] -= 1
        else:
            hs[move[0]] = move[1]
        moves += 1
    return {"nim_sum": nim_sum, "winning_move": first_move,
            "winner": "first" if moves % 2 else "second", "moves": moves}
''',
    '''
import random


def input_generator():
    return {"heaps": [random.randint(0, 15) for _ in range(random.randint(1, 6))]}
''',
)

add(
    "knight_moves",
    "games",
    """On a `size` x `size` chessboard with files a, b, c, ... and ranks 1, 2, 3, ..., a knight starts
    on square `start` and must reach square `target` without ever landing on a square in `blocked`.
    What is the smallest number of moves, or null if it cannot get there?""",
    """Input:
  `size` (int): 4 to 8.
  `start` (str), `target` (str): square names such as "a1" within the board; never blocked.
  `blocked` (list of str): up to 10 square names.
Output:
  `return` (int or null): the minimum number of knight moves.""",
    '''
from collections import deque


def main_solution(size, start, target, blocked):
    sq = lambda name: (ord(name[0]) - ord("a"), int(name[1:]) - 1)
    goal, walls = sq(target), {sq(b) for b in blocked}
    dist = {sq(start): 0}
    queue = deque([sq(start)])
    while queue:
        x, y = queue.popleft()
        if (x, y) == goal:
            return dist[(x, y)]
        for dx, dy in ((1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)):
            nxt = (x + dx, y + dy)
            if 0 <= nxt[0] < size and 0 <= nxt[1] < size and nxt not in dist and nxt not in walls:
                dist[nxt] = dist[(x, y)] + 1
                queue.append(nxt)
    return None
''',
    '''
import random


def input_generator():
    size = random.randint(4, 8)
    squares = [f"{chr(97 + f)}{r + 1}" for f in range(size) for r in range(size)]
    picked = random.sample(squares, 2 + random.randint(0, 10))
    return {"size": size, "start": picked[0], "target": picked[1], "blocked": picked[2:]}
''',
)

add(
    "bowling",
    "games",
    """A complete ten-pin bowling game is written in the usual score-sheet notation `sheet`: frames
    separated by spaces, 'X' for a strike, '/' for a spare, '-' for no pins and digits for the pins
    knocked down (the tenth frame carries its bonus balls). A strike scores 10 plus the next two
    balls, a spare 10 plus the next ball, other frames their pins. What is each frame's score and the
    total?""",
    """Input:
  `sheet` (str): ten frames in the notation above, for example "X 7/ 9- X -8 8/ -6 X X X81".
Output:
  `return` (dict): `frames` (list of int) the ten frame scores, `total` (int).""",
    '''
def main_solution(sheet):
    rolls = []
    for ch in sheet.replace(" ", ""):
        if ch == "X":
            rolls.append(10)
        elif ch == "/":
            rolls.append(10 - rolls[-1])
        else:
            rolls.append(0 if ch == "-" else int(ch))
    frames, i = [], 0
    for _ in range(10):
        if rolls[i] == 10:
            frames.append(10 + rolls[i + 1] + rolls[i + 2])
            i += 1
        elif rolls[i] + rolls[i + 1] == 10:
            frames.append(10 + rolls[i + 2])
            i += 2
        else:
            frames.append(rolls[i] + rolls[i + 1])
            i += 2
    return {"frames": frames, "total": sum(frames)}
''',
    '''
import random


def input_generator():
    def mark(first, second=None):
        a = "X" if first == 10 else ("-" if first == 0 else str(first))
        if second is None:
            return a
        return a + ("/" if first + second == 10 else "-" if second == 0 else str(second))

    frames = []
    for frame in range(10):
        first = 10 if random.random() < 0.3 else random.randint(0, 9)
        if first == 10:
            text = "X"
        else:
            second = random.randint(0, 10 - first)
            text = mark(first, second)
        if frame == 9:
            if text == "X":
                b1 = 10 if random.random() < 0.3 else random.randint(0, 9)
                b2 = random.randint(0, 10) if b1 == 10 else random.randint(0, 10 - b1)
                text += "X" + ("X" if b2 == 10 else mark(b2)) if b1 == 10 else mark(b1, b2)
            elif text.endswith("/"):
                text += mark(10 if random.random() < 0.3 else random.randint(0, 9))
        frames.append(text)
    return {"sheet": " ".join(frames)}
''',
)


if __name__ == "__main__":
    out = HERE / "unified.jsonl"
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {len(SPECS)} functions to {out}")
