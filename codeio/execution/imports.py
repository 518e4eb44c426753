"""Warm imports chosen by the trusted side: read a job's imports from its code, never from its report.

Each job's code is parsed with ``ast`` here in the parent (an unparsable, too deep or too large program
simply counts no imports). A module that ``warm_after`` jobs import becomes a warm candidate; workers
import the candidates between jobs (after checking, in a throw-away child, that importing one pulls in
nothing on the deny list), so later jobs inherit them instead of importing them each time.
"""

from __future__ import annotations

import ast
import functools
from collections import Counter


@functools.lru_cache(maxsize=4096)
def static_imports(code: str) -> frozenset[str]:
    """Top-level packages and their direct submodules a program imports (``scipy``, ``scipy.stats``),
    at any depth of the program but not relative imports."""
    try:
        tree = ast.parse(code)
        nodes = list(ast.walk(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return frozenset()
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0].startswith("_"):
                continue
            names.add(parts[0])
            if len(parts) > 1 and not parts[1].startswith("_"):
                names.add(".".join(parts[:2]))
    return frozenset(names)


class WarmImports:
    """Counts static imports over jobs and lists the modules to warm, in the order they qualified."""

    def __init__(self, warm_after: int, deny: list[str], already: set[str] | None = None):
        self.warm_after = warm_after
        self.deny = set(deny)
        self.counts: Counter = Counter()
        self.chosen: list[str] = []
        self.already = set(already or ())
        """Modules the prelude imports anyway."""

    def observe(self, code: str) -> None:
        if self.warm_after <= 0:
            return
        for name in static_imports(code):
            if name.split(".")[0] in self.deny or name in self.already or name in self.chosen:
                continue
            self.counts[name] += 1
            if self.counts[name] >= self.warm_after:
                self.chosen.append(name)
