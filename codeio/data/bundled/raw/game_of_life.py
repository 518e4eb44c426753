"""Conway's Game of Life on a finite board (cells outside the board are dead)."""


class Life:
    def __init__(self, pattern):
        self.board = [[ch == "#" for ch in row] for row in pattern]
        self.generation = 0

    def neighbours(self, r, c):
        total = 0
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr == dc == 0:
                    continue
                rr, cc = r + dr, c + dc
                if 0 <= rr < len(self.board) and 0 <= cc < len(self.board[0]):
                    total += self.board[rr][cc]
        return total

    def step(self):
        new = []
        for r, row in enumerate(self.board):
            new_row = []
            for c, alive in enumerate(row):
                n = self.neighbours(r, c)
                new_row.append(n == 3 or (alive and n == 2))
            new.append(new_row)
        self.board = new
        self.generation += 1

    def population(self):
        return sum(map(sum, self.board))

    def __str__(self):
        return "\n".join("".join("#" if x else "." for x in row) for row in self.board)


if __name__ == "__main__":
    life = Life([".....", "..#..", "...#.", ".###.", "....."])
    for _ in range(4):
        print(f"generation {life.generation}, population {life.population()}")
        print(life, end="\n\n")
        life.step()
