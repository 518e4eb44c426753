"""The unified rewrite of ``raw/vending_machine.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
A vending machine sells A1 for 120, A2 for 85, B1 for 150 and B2 for 60 cents, holding the items in
`stock` (code -> count; missing codes are sold out). It accepts coins of 200, 100, 50, 20, 10 and 5
cents and hands any other coin straight back. The actions in `actions` are "coin V" or "select
CODE"; a selection succeeds when the item is in stock and the inserted credit covers the price, and
then the machine pays back the change greedily with the largest coins first and clears the credit. A
failed selection keeps the credit. Which items were sold, how much change was paid in total, how
many coins were rejected and how much credit is left at the end?
"""
IO_REQUIREMENTS = """\
Input:
  `stock` (dict): item code (str) -> count (int), codes among A1, A2, B1, B2.
  `actions` (list of str): up to 15 actions, "coin V" (V an int) or "select CODE".
Output:
  `return` (dict): `sold` (list of str) codes in order of sale, `change_paid` (int) total change
  returned by sales, `change_coins` (int) the number of coins paid back as change, `rejected`
  (int) the number of refused coins, `credit` (int) credit left.
"""

# --- refcode ---
PRICES = {"A1": 120, "A2": 85, "B1": 150, "B2": 60}
COINS = (200, 100, 50, 20, 10, 5)


def main_solution(stock, actions):
    stock = dict(stock)
    credit, sold, paid, ncoins, rejected = 0, [], 0, 0, 0
    for action in actions:
        kind, arg = action.split()
        if kind == "coin":
            if int(arg) in COINS:
                credit += int(arg)
            else:
                rejected += 1
        elif stock.get(arg, 0) > 0 and credit >= PRICES.get(arg, 10**9):
            stock[arg] -= 1
            sold.append(arg)
            change = credit - PRICES[arg]
            paid += change
            for c in COINS:
                ncoins += change // c
                change %= c
            credit = 0
    return {"sold": sold, "change_paid": paid, "change_coins": ncoins,
            "rejected": rejected, "credit": credit}


# --- inputgen ---
import random


def input_generator():
    codes = ["A1", "A2", "B1", "B2"]
    stock = {c: random.randint(0, 2) for c in random.sample(codes, random.randint(1, 4))}
    actions = []
    for _ in range(random.randint(1, 15)):
        if random.random() < 0.65:
            actions.append(f"coin {random.choice([200, 100, 50, 20, 10, 5, 5, 2, 1])}")
        else:
            actions.append(f"select {random.choice(codes)}")
    return {"stock": stock, "actions": actions}
