def solve_n_queens(n):
    """Count and collect placements of n non-attacking queens using bitmasks."""
    solutions = []
    full = (1 << n) - 1

    def place(row, cols, diag1, diag2, placed):
        if row == n:
            solutions.append(list(placed))
            return
        free = full & ~(cols | diag1 | diag2)
        while free:
            bit = free & -free
            free ^= bit
            placed.append(bit.bit_length() - 1)
            place(row + 1, cols | bit, ((diag1 | bit) << 1) & full, (diag2 | bit) >> 1, placed)
            placed.pop()

    place(0, 0, 0, 0, [])
    return solutions


def draw(solution):
    n = len(solution)
    return "\n".join("." * c + "Q" + "." * (n - c - 1) for c in solution)


if __name__ == "__main__":
    for n in range(1, 9):
        print(n, len(solve_n_queens(n)))
    print(draw(solve_n_queens(6)[0]))
