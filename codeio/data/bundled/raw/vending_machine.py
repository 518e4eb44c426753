from enum import Enum


class State(Enum):
    IDLE = 0
    HAS_MONEY = 1


class VendingMachine:
    PRICES = {"A1": 120, "A2": 85, "B1": 150, "B2": 60}
    COINS = (200, 100, 50, 20, 10, 5)

    def __init__(self, stock):
        self.stock = dict(stock)
        self.credit = 0
        self.state = State.IDLE
        self.sales = 0

    def insert(self, coin):
        if coin not in self.COINS:
            return coin  # rejected, returned at once
        self.credit += coin
        self.state = State.HAS_MONEY
        return 0

    def select(self, code):
        price = self.PRICES.get(code)
        if price is None or self.stock.get(code, 0) == 0:
            return None, []
        if self.credit < price:
            return None, []
        self.stock[code] -= 1
        self.sales += price
        change = self.credit - price
        self.credit = 0
        self.state = State.IDLE
        return code, self.make_change(change)

    def make_change(self, amount):
        out = []
        for c in self.COINS:
            while amount >= c:
                out.append(c)
                amount -= c
        return out


if __name__ == "__main__":
    vm = VendingMachine({"A1": 2, "B2": 0})
    for coin in (100, 50, 3):
        vm.insert(coin)
    print(vm.select("A1"))
    print(vm.select("B2"))
