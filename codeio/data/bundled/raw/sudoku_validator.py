def blocks(grid):
    for br in range(0, 9, 3):
        for bc in range(0, 9, 3):
            yield [grid[r][c] for r in range(br, br + 3) for c in range(bc, bc + 3)]


def has_duplicates(values):
    seen = set()
    for v in values:
        if v == 0:
            continue
        if v in seen:
            return True
        seen.add(v)
    return False


def is_valid(grid):
    rows = grid
    cols = [[grid[r][c] for r in range(9)] for c in range(9)]
    return not any(has_duplicates(u) for u in rows + cols + list(blocks(grid)))


def is_solved(grid):
    return is_valid(grid) and all(all(v != 0 for v in row) for row in grid)


PUZZLE = [
    [5, 3, 0, 0, 7, 0, 0, 0, 0],
    [6, 0, 0, 1, 9, 5, 0, 0, 0],
    [0, 9, 8, 0, 0, 0, 0, 6, 0],
    [8, 0, 0, 0, 6, 0, 0, 0, 3],
    [4, 0, 0, 8, 0, 3, 0, 0, 1],
    [7, 0, 0, 0, 2, 0, 0, 0, 6],
    [0, 6, 0, 0, 0, 0, 2, 8, 0],
    [0, 0, 0, 4, 1, 9, 0, 0, 5],
    [0, 0, 0, 0, 8, 0, 0, 7, 9],
]

if __name__ == "__main__":
    print("valid:", is_valid(PUZZLE), "solved:", is_solved(PUZZLE))
    PUZZLE[0][2] = 5
    print("after bad move, valid:", is_valid(PUZZLE))
