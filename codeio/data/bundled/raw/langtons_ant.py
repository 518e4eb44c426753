def run_ant(steps, size=11):
    grid = [[0] * size for _ in range(size)]
    r = c = size // 2
    heading = 0  # 0 up, 1 right, 2 down, 3 left
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    for _ in range(steps):
        if grid[r][c]:
            heading = (heading - 1) % 4
        else:
            heading = (heading + 1) % 4
        grid[r][c] ^= 1
        dr, dc = moves[heading]
        r, c = (r + dr) % size, (c + dc) % size
    return grid, (r, c), heading


if __name__ == "__main__":
    grid, pos, heading = run_ant(200)
    for row in grid:
        print("".join("#" if x else "." for x in row))
    print("ant at", pos, "facing", "URDL"[heading])
