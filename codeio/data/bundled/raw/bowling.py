class BowlingGame:
    """Ten-pin bowling scorer."""

    def __init__(self):
        self.rolls = []

    def roll(self, pins):
        if not 0 <= pins <= 10:
            raise ValueError("pins out of range")
        self.rolls.append(pins)

    def frame_scores(self):
        scores = []
        i = 0
        for _ in range(10):
            if i >= len(self.rolls):
                break
            if self.rolls[i] == 10:  # strike
                scores.append(10 + sum(self.rolls[i + 1:i + 3]))
                i += 1
            elif sum(self.rolls[i:i + 2]) == 10:  # spare
                scores.append(10 + sum(self.rolls[i + 2:i + 3]))
                i += 2
            else:
                scores.append(sum(self.rolls[i:i + 2]))
                i += 2
        return scores

    def score(self):
        return sum(self.frame_scores())


if __name__ == "__main__":
    game = BowlingGame()
    for pins in [10, 7, 3, 9, 0, 10, 0, 8, 8, 2, 0, 6, 10, 10, 10, 8, 1]:
        game.roll(pins)
    running = 0
    for frame, s in enumerate(game.frame_scores(), 1):
        running += s
        print(f"frame {frame:2}: {s:3}  total {running}")
