import math


class CoinSystem:
    def __init__(self, denominations):
        self.coins = sorted(set(denominations))

    def min_coins(self, amount):
        best = [0] + [math.inf] * amount
        for a in range(1, amount + 1):
            for c in self.coins:
                if c <= a and best[a - c] + 1 < best[a]:
                    best[a] = best[a - c] + 1
        return -1 if best[amount] == math.inf else best[amount]

    def ways(self, amount):
        count = [1] + [0] * amount
        for c in self.coins:
            for a in range(c, amount + 1):
                count[a] += count[a - c]
        return count[amount]

    def is_canonical_for(self, amount):
        """Does the greedy algorithm agree with the optimum for this amount?"""
        left, used = amount, 0
        for c in reversed(self.coins):
            used += left // c
            left %= c
        return left == 0 and used == self.min_coins(amount)


if __name__ == "__main__":
    euro = CoinSystem([1, 2, 5, 10, 20, 50])
    odd = CoinSystem([1, 3, 4])
    print(euro.min_coins(63), euro.ways(63))
    print(odd.min_coins(6), odd.is_canonical_for(6))
