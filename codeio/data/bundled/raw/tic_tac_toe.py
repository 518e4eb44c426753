"""Tic-tac-toe referee: who won, whose turn, and is the position even legal?"""

LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


class Board:
    def __init__(self, rows):
        self.cells = "".join(rows)
        assert len(self.cells) == 9

    def winner_lines(self, player):
        return [line for line in LINES if all(self.cells[i] == player for i in line)]

    def status(self):
        x, o = self.cells.count("X"), self.cells.count("O")
        x_wins, o_wins = self.winner_lines("X"), self.winner_lines("O")
        if not (x == o or x == o + 1) or (x_wins and o_wins):
            return "invalid"
        if x_wins:
            return "X wins" if x == o + 1 else "invalid"
        if o_wins:
            return "O wins" if x == o else "invalid"
        if x + o == 9:
            return "draw"
        return "X to move" if x == o else "O to move"

    def __str__(self):
        return "\n".join(" | ".join(self.cells[r * 3:r * 3 + 3]) for r in range(3))


if __name__ == "__main__":
    for rows in (["XOX", "OXO", "OXX"], ["XX.", "OO.", "..."], ["OOO", "XX.", "X.X"]):
        b = Board(rows)
        print(b)
        print("->", b.status(), "\n")
