"""The unified rewrite of ``raw/expression_parser.py``: one record of ``unified.jsonl`` (format: ``../README.md``)."""

TOPIC = "parsing"
PROBLEM = """\
An arithmetic expression `expression` uses non-negative integers, + - * / % and parentheses, where /
is division rounded down and %, * and / bind tighter than + and -; operators of the same strength
are applied left to right. What is its value, and what is the expression in reverse Polish notation
(tokens separated by single spaces)? If a division or remainder by zero happens, the value is null.
"""
IO_REQUIREMENTS = """\
Input:
  `expression` (str): a well-formed expression, up to 60 characters, spaces allowed.
Output:
  `return` (dict): `rpn` (str) the postfix form, `value` (int or null).
"""

# --- refcode ---
import re

PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}


def main_solution(expression):
    out, stack = [], []
    for t in re.findall(r"\d+|[-+*/%()]", expression):
        if t.isdigit():
            out.append(t)
        elif t == "(":
            stack.append(t)
        elif t == ")":
            while stack[-1] != "(":
                out.append(stack.pop())
            stack.pop()
        else:
            while stack and stack[-1] != "(" and PREC[stack[-1]] >= PREC[t]:
                out.append(stack.pop())
            stack.append(t)
    out += reversed(stack)
    vals = []
    for t in out:
        if t.isdigit():
            vals.append(int(t))
            continue
        b, a = vals.pop(), vals.pop()
        if t in "/%" and b == 0:
            return {"rpn": " ".join(out), "value": None}
        vals.append(a + b if t == "+" else a - b if t == "-" else a * b if t == "*"
                    else a // b if t == "/" else a % b)
    return {"rpn": " ".join(out), "value": vals[0]}


# --- inputgen ---
import random


def input_generator():
    def expr(depth):
        if depth == 0 or random.random() < 0.3:
            return str(random.randint(0, 20))
        left, right = expr(depth - 1), expr(depth - 1)
        text = f"{left} {random.choice('+-*/%')} {right}"
        return f"({text})" if random.random() < 0.4 else text

    e = expr(3)
    while len(e) > 60:
        e = expr(2)
    return {"expression": e}
