"""A small arithmetic evaluator: tokenizer, shunting-yard to RPN, and an RPN machine."""
import operator
import re

OPS = {
    "+": (1, operator.add),
    "-": (1, operator.sub),
    "*": (2, operator.mul),
    "/": (2, operator.floordiv),
    "%": (2, operator.mod),
}
TOKEN = re.compile(r"\s*(\d+|[()+\-*/%])")


def tokenize(expr):
    pos, tokens = 0, []
    expr = expr.rstrip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise SyntaxError(f"bad character at {pos}: {expr[pos]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


def to_rpn(tokens):
    out, stack = [], []
    for t in tokens:
        if t.isdigit():
            out.append(int(t))
        elif t in OPS:
            while stack and stack[-1] in OPS and OPS[stack[-1]][0] >= OPS[t][0]:
                out.append(stack.pop())
            stack.append(t)
        elif t == "(":
            stack.append(t)
        else:
            while stack[-1] != "(":
                out.append(stack.pop())
            stack.pop()
    while stack:
        out.append(stack.pop())
    return out


def evaluate_rpn(rpn):
    st = []
    for item in rpn:
        if isinstance(item, int):
            st.append(item)
        else:
            b, a = st.pop(), st.pop()
            st.append(OPS[item][1](a, b))
    return st[0]


def calc(expr):
    return evaluate_rpn(to_rpn(tokenize(expr)))


if __name__ == "__main__":
    for e in ["1 + 2 * 3", "(1 + 2) * 3", "100 / 7 % 4", "2 * (3 + 4) - 5"]:
        print(e, "=", calc(e))
