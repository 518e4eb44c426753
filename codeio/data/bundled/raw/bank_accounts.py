class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance=0, overdraft=0):
        self.owner = owner
        self.balance = balance
        self.overdraft = overdraft
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount):
        if self.balance - amount < -self.overdraft:
            raise InsufficientFunds(f"{self.owner} cannot withdraw {amount}")
        self.balance -= amount
        self.history.append(("withdraw", amount))


class Bank:
    def __init__(self):
        self.accounts = {}

    def open(self, owner, balance=0, overdraft=0):
        self.accounts[owner] = Account(owner, balance, overdraft)

    def transfer(self, src, dst, amount):
        self.accounts[src].withdraw(amount)
        self.accounts[dst].deposit(amount)

    def apply_interest(self, rate_percent):
        for acc in self.accounts.values():
            if acc.balance > 0:
                acc.balance += acc.balance * rate_percent // 100


if __name__ == "__main__":
    bank = Bank()
    bank.open("ann", 100)
    bank.open("bob", 20, overdraft=50)
    bank.transfer("bob", "ann", 60)
    try:
        bank.transfer("bob", "ann", 30)
    except InsufficientFunds as e:
        print("refused:", e)
    bank.apply_interest(5)
    for name, acc in bank.accounts.items():
        print(name, acc.balance, acc.history)
