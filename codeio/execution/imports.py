"""What the trusted side reads from a job's code with ``ast`` (never from anything a job reports).

Warm imports: each job's code is parsed here in the parent (an unparsable, too deep or too large
program simply counts no imports). A module that ``warm_after`` jobs import becomes a warm candidate;
workers import the candidates between jobs (after checking, in a throw-away child, that importing one
pulls in nothing on the deny list), so later jobs inherit them instead of importing them each time.

The lean template: every process costs a fork and an exit proportional to the memory it inherits, and
the prelude's third-party lines (numpy: about 6 MB of heap and a hundred mappings) roughly double that.
Workers therefore keep a second job template holding only the prelude's standard-library lines, and a
job runs there when nothing in it could tell the difference: it imports only standard-library modules
and never spells a name the third-party lines bind (``np``, ``numpy``), not even in a string.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections import Counter
from dataclasses import dataclass

STDLIB = frozenset(sys.stdlib_module_names)


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


def _parse(code: str) -> list[ast.AST] | None:
    try:
        return list(ast.walk(ast.parse(code)))
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return None


def _imported_modules(nodes: list[ast.AST]) -> list[str] | None:
    """Every module an import statement names (top level); None for a relative import."""
    modules = []
    for node in nodes:
        if isinstance(node, ast.Import):
            modules.extend(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                return None
            modules.append(node.module.split(".")[0])
    return modules


@dataclass(frozen=True)
class PreludeSplit:
    """The prelude cut in two: what every job template imports, and what only the full one does."""

    light: tuple[str, ...]
    """Lines importing nothing but standard-library modules (statements without imports too)."""
    heavy: tuple[str, ...]
    """The other lines (and any line that does not parse): only in the full template."""
    heavy_names: frozenset[str]
    """Names the heavy lines bind or import (``np``, ``numpy``); empty plus ``never_lean`` when unknown."""
    never_lean: bool = False
    """A heavy line binds names we cannot list (``from x import *``, assignments): no job is lean."""

    @property
    def has_lean(self) -> bool:
        return bool(self.heavy) and not self.never_lean


def split_prelude(lines: list[str] | tuple[str, ...]) -> PreludeSplit:
    """Light lines import only the standard library and spell no name an earlier heavy line binds (the
    templates import the light lines first, then the heavy ones)."""
    light, heavy, names, never_lean = [], [], set(), False
    for line in lines:
        nodes = _parse(line)
        modules = _imported_modules(nodes) if nodes is not None else None
        if (modules is not None and all(m in STDLIB for m in modules)
                and not (names and _spelled(frozenset(names)).search(line))):
            light.append(line)
            continue
        heavy.append(line)
        for node in nodes or []:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.add(alias.asname or alias.name.split(".")[0])
                    names.add(alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                names.update(alias.asname or alias.name for alias in node.names)
                names.add((node.module or "").split(".")[0])
                never_lean |= any(alias.name == "*" for alias in node.names)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef,
                                   ast.Delete, ast.With, ast.For, ast.Global)):
                never_lean = True
        never_lean |= nodes is None
    return PreludeSplit(tuple(light), tuple(heavy), frozenset(n for n in names if n), never_lean)


@functools.lru_cache(maxsize=4096)
def runs_lean(code: str, split: PreludeSplit) -> bool:
    """True when ``code`` may run in the lean template: same results as with the whole prelude."""
    if not split.has_lean:
        return False
    nodes = _parse(code)
    if nodes is None:
        return False
    modules = _imported_modules(nodes)
    if modules is None or any(m not in STDLIB for m in modules):
        return False
    return _spelled(split.heavy_names).search(code) is None


@functools.lru_cache(maxsize=64)
def _spelled(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, names)))
    return re.compile(rf"\b(?:{alternatives})\b")
