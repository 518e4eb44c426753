"""The unified rewrite of ``raw/bank_accounts.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "simulation"
PROBLEM = """\
A small bank holds the accounts in `accounts`, each name mapped to [balance, overdraft limit]. The
commands in `commands` are applied in order: "deposit NAME X", "withdraw NAME X", "transfer FROM TO
X" and "interest P" (every positive balance grows by P percent, rounded down). A withdrawal or
transfer that would take a balance below minus its overdraft limit is refused and changes nothing,
as is any command other than "interest" whose amount is not positive. What are the final balances
and how many commands were refused?
"""
IO_REQUIREMENTS = """\
Input:
  `accounts` (dict): account name (str) -> [balance (int), overdraft limit (int)]; 2 to 4 accounts.
  `commands` (list of str): up to 12 commands as described, amounts are integers.
Output:
  `return` (dict): `balances` (dict, name -> int) and `refused` (int).
"""

# --- refcode ---
def main_solution(accounts, commands):
    bal = {k: v[0] for k, v in accounts.items()}
    limit = {k: v[1] for k, v in accounts.items()}
    refused = 0
    for command in commands:
        op, *args = command.split()
        if op == "interest":
            for k in bal:
                if bal[k] > 0:
                    bal[k] += bal[k] * int(args[0]) // 100
            continue
        amount = int(args[-1])
        src = args[0] if op in ("withdraw", "transfer") else None
        dst = args[-2] if op in ("deposit", "transfer") else None
        if amount <= 0 or (src and bal[src] - amount < -limit[src]):
            refused += 1
            continue
        if src:
            bal[src] -= amount
        if dst:
            bal[dst] += amount
    return {"balances": {k: bal[k] for k in sorted(bal)}, "refused": refused}


# --- inputgen ---
import random


def input_generator():
    names = random.sample(["ann", "bob", "cy", "dee"], random.randint(2, 4))
    accounts = {n: [random.randint(0, 200), random.choice([0, 0, 50])] for n in names}
    commands = []
    for _ in range(random.randint(0, 12)):
        kind, amount = random.choice(["deposit", "withdraw", "transfer", "interest"]), random.randint(-5, 150)
        if kind == "interest":
            commands.append(f"interest {random.randint(1, 10)}")
        elif kind == "transfer":
            a, b = random.sample(names, 2)
            commands.append(f"transfer {a} {b} {amount}")
        else:
            commands.append(f"{kind} {random.choice(names)} {amount}")
    return {"accounts": accounts, "commands": commands}
