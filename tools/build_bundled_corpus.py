"""Build ``codeio/data/bundled/unified.jsonl`` from the corpus' source files, or check it is up to date.

Each record is one real Python file ``codeio/data/bundled/unified/NN_<name>.py`` (ruff lints them): the
constants ``TOPIC``, ``PROBLEM`` and ``IO_REQUIREMENTS``, then the reference code after the line
``# --- refcode ---`` and the input generator after ``# --- inputgen ---``. ``NN`` is the record's line
in ``unified.jsonl``; ``<name>`` names its raw program ``raw/<name>.py``.

    python tools/build_bundled_corpus.py           # rewrite unified.jsonl
    python tools/build_bundled_corpus.py --check   # exit 1 if unified.jsonl is stale

This script lives outside the installed package: users get the built ``unified.jsonl``.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parents[1] / "codeio" / "data" / "bundled"
SOURCES = BUNDLED / "unified"
OUTPUT = BUNDLED / "unified.jsonl"
REFCODE_MARK = "# --- refcode ---\n"
INPUTGEN_MARK = "# --- inputgen ---\n"
FILE_NAME = re.compile(r"^(\d{2})_(\w+)\.py$")


def constants(text: str, path: Path) -> dict[str, str]:
    """The module-level string constants of a record file."""
    out = {}
    for node in ast.parse(text, filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def read_record(path: Path) -> dict:
    """One unified-function record from its source file."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise ValueError(f"{path.name}: record files are named NN_<raw program name>.py")
    name = match.group(2)
    if not (BUNDLED / "raw" / f"{name}.py").is_file():
        raise ValueError(f"{path.name}: no raw program raw/{name}.py")
    text = path.read_text(encoding="utf-8")
    if text.count(REFCODE_MARK) != 1 or text.count(INPUTGEN_MARK) != 1:
        raise ValueError(f"{path.name}: needs exactly one {REFCODE_MARK.strip()!r} and one {INPUTGEN_MARK.strip()!r}")
    head, rest = text.split(REFCODE_MARK)
    refcode, inputgen = rest.split(INPUTGEN_MARK)
    values = constants(head, path)
    return {
        "problem_description": " ".join(values["PROBLEM"].split()),
        "io_requirements": values["IO_REQUIREMENTS"].strip("\n"),
        "refcode": refcode.strip("\n") + "\n",
        "funcname": "main_solution",
        "inputgen": inputgen.strip("\n") + "\n",
        "ios": [],
        "source": "bundled",
        "meta": {"raw_file": f"raw/{name}.py", "topic": values["TOPIC"]},
    }


def render() -> str:
    """The JSONL text: one record a line, in the order of the file numbers (which must be 01, 02, ...)."""
    files = sorted(SOURCES.glob("*.py"))
    numbers = [int(FILE_NAME.match(p.name).group(1)) if FILE_NAME.match(p.name) else -1 for p in files]
    if numbers != list(range(1, len(files) + 1)):
        raise ValueError(f"record files must be numbered 01..{len(files):02d} without gaps: {numbers}")
    return "".join(json.dumps(read_record(p), ensure_ascii=False) + "\n" for p in files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that unified.jsonl is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is stale: run python tools/build_bundled_corpus.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} records to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
