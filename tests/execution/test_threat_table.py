"""docs/execution.md's threat-model table names, for every breach class and executor, the tests that
show it: each named test must exist here, and every class must have a cell for every executor."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parents[1] / "docs" / "execution.md"


def test_every_cell_names_existing_tests():
    defined = {m.group(1) for path in HERE.glob("test_*.py")
               for m in re.finditer(r"^def (test_\w+)", path.read_text(), re.M)}
    rows = [line for line in DOC.read_text().splitlines() if re.match(r"\| [1-9]\. ", line)]
    assert [row.split(".")[0] for row in rows] == [f"| {k}" for k in range(1, 10)], "classes 1-9, in order"
    header = next(line for line in DOC.read_text().splitlines() if line.startswith("| class |"))
    assert [c.strip() for c in header.strip("|").split("|")][1:] == ["forkserver", "bwrap", "subprocess", "docker"]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 5 and all(cells[1:]), row
        named = set(re.findall(r"\b(test_\w+)\b(?!\.py)", row))
        assert named, row
        missing = sorted(name for name in named if name not in defined)
        assert not missing, f"{row[:40]}...: no such test {missing}"
