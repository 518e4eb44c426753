from functools import reduce
from operator import xor


def nim_sum(heaps):
    return reduce(xor, heaps, 0)


def winning_move(heaps):
    """Return (heap index, new size) for a winning move, or None if the position is lost."""
    s = nim_sum(heaps)
    if s == 0:
        return None
    for i, h in enumerate(heaps):
        target = h ^ s
        if target < h:
            return i, target
    return None


def play(heaps):
    """Both players play perfectly (the loser takes one stone from the largest heap)."""
    heaps = list(heaps)
    player = 0
    moves = 0
    while any(heaps):
        move = winning_move(heaps)
        if move is None:
            i = heaps.index(max(heaps))
            heaps[i] -= 1
        else:
            i, size = move
            heaps[i] = size
        moves += 1
        player ^= 1
    return 1 - player, moves  # the player who took the last stone wins


if __name__ == "__main__":
    for position in ([3, 4, 5], [1, 2, 3], [7]):
        print(position, nim_sum(position), winning_move(position), play(position))
