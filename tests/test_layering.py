"""Imports follow the data flow: a package may import its own modules and those of the layers before it,
never a later one. Lazy imports inside functions count too (they are dependencies all the same).

Adding a package means placing it here: the test fails for any codeio package it does not know.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "codeio"

LAYERS = [
    # foundation: no codeio imports below these lines
    ("codeio.jsontext", "codeio.shared_data", "codeio.schema"),
    ("codeio.records",),                # row types and the files stages hand each other
    ("codeio.pipeline",),               # generic stage machinery: knows the Stage interface, no stage
    # components shared by several stages
    ("codeio.execution",),              # the sandbox (transform onwards)
    ("codeio.teachers",),               # LLM backends and the trace teacher (transform, respond, revise)
    # stage components, in data-flow order
    ("codeio.sources",),                # 1 collect
    ("codeio.transform",),              # 2 transform
    ("codeio.sampling",),               # 3 sample
    ("codeio.tasks",),                  # 4 tasks
    ("codeio.verify",),                 # 6 verify (and 7 revise)
    ("codeio.assemble",),               # 8 assemble
    ("codeio.train",),                  # 9 train
    ("codeio.eval",),                   # 10 evaluate
    ("codeio.testing",),                # test doubles (a local OpenAI server, tiny models)
    # glue and entry points
    ("codeio.stages",),                 # each stage wires its components
    ("codeio.config",),                 # registers every schema, reads the stage registry
    ("codeio.__main__", "codeio.execute", "codeio.plan"),  # codeio.plan composes the pipeline config too
    ("codeio.launcher",),               # Hydra launchers: check a sweep's config before it is submitted
]

# Command-line tools that sit on top of the data flow although their module lives in a component package.
ENTRY_POINTS = {
    "codeio.verify.__main__",          # python -m codeio.verify
    "codeio.eval.__main__",            # python -m codeio.eval (composes the root config, as codeio does)
    "codeio.teachers.trace.selfcheck",  # traces and then verifies the trace teacher's answers
}


def layer_of(module: str) -> int:
    for index, names in enumerate(LAYERS):
        for name in names:
            if module == name or module.startswith(name + "."):
                return index
    raise AssertionError(f"{module} belongs to no layer: place its package in tests/test_layering.py")


def codeio_imports(path: Path, root: Path = REPO_ROOT) -> set[str]:
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "codeio" else [f"codeio.{a.name}" for a in node.names]
            out.update(n for n in names if n.startswith("codeio"))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("codeio"))
    return {name for name in out if name != module}


def violations(root: Path = REPO_ROOT) -> list[str]:
    found = []
    for path in sorted((root / "codeio").rglob("*.py")):
        if "data" in path.relative_to(root / "codeio").parts:  # corpus programs, not codeio modules
            continue
        module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        if module == "codeio" or module in ENTRY_POINTS:
            continue
        mine = layer_of(module)
        for imported in codeio_imports(path, root):
            if layer_of(imported) > mine:
                found.append(f"{module} imports {imported}")
    return sorted(found)


def test_imports_follow_the_data_flow():
    found = violations()
    assert not found, "imports against the data flow:\n" + "\n".join(found)


def test_the_rule_catches_an_upstream_import(tmp_path):
    """A module of assemble (8) lazily importing eval (10) is exactly what the rule forbids."""
    bad = tmp_path / "codeio" / "assemble" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from codeio.eval.holdout import split_by_function\n")
    assert violations(tmp_path) == ["codeio.assemble.bad imports codeio.eval.holdout"]
