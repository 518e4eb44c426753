"""Small, safe helpers the graders share: a time limit for sympy, LaTeX parsing, plain arithmetic.

Model replies are untrusted text: nothing here runs them as code. LaTeX goes through sympy's
``parse_latex`` (a grammar parser, no ``eval``) and simplification runs under a time limit, because a
crafted or unlucky expression can make ``simplify`` run for hours. Arithmetic that a benchmark checks by
evaluating the model's expression (KOR-Bench's 24-point puzzles) is evaluated by walking its syntax tree:
numbers, + - * /, unary minus and parentheses only.
"""

from __future__ import annotations

import ast
import contextlib
import operator
import signal
import threading
from collections.abc import Iterator
from typing import Any


class GraderTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``GraderTimeout`` after ``seconds`` (SIGALRM: main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise GraderTimeout(f"grader took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_latex(text: str) -> Any:
    """sympy expression of a LaTeX string (raises on text it cannot parse).

    sympy's Lark grammar (``pip install lark``, in the ``eval`` and ``dev`` extras) rather than its
    ANTLR one, which needs antlr4 4.11 while Hydra pins 4.9."""
    from sympy.parsing.latex import parse_latex as sympy_parse_latex

    return sympy_parse_latex(text, backend="lark")


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def arithmetic(text: str) -> float | int:
    """Value of an arithmetic expression of numbers, + - * /, unary minus and parentheses; raises
    ``ValueError`` on anything else (names, calls, powers, ...)."""
    tree = ast.parse(text.strip(), mode="eval")

    def walk(node: ast.AST) -> float | int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        raise ValueError(f"not plain arithmetic: {ast.dump(node)[:80]}")

    if len(text) > 1000:
        raise ValueError("expression too long")
    return walk(tree)


def edit_distance(a: list, b: list) -> int:
    """Levenshtein distance between two sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
