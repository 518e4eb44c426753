"""Merge the per-run results tables of a multirun sweep into one table.

``python -m codeio.eval.aggregate <multirun dir> --out experiments/<family>/<name>`` finds every
``results.json`` written by the evaluate stage below the sweep directory, labels each row with its run's
Hydra overrides (``.hydra/overrides.yaml`` of the run directory holding the file) and the checkpoint,
and writes ``<out>/results.json`` and ``<out>/results.md`` in the same Table 1 layout as each run's own
table (the paper rows the runs named appear once, underneath). Files that are not results tables are
counted and skipped, never fatal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeio.eval.tables import make_table, read_table, to_markdown, write_table

RESULTS_NAME = "results.json"


def run_overrides(path: Path, root: Path) -> list[str] | None:
    """The Hydra overrides of the run directory that holds ``path`` (searching up to ``root``)."""
    for parent in [path.parent, *path.parent.parents]:
        f = parent / ".hydra" / "overrides.yaml"
        if f.is_file():
            try:
                from omegaconf import OmegaConf

                data = OmegaConf.to_container(OmegaConf.load(f))
            except Exception:  # noqa: BLE001 - a broken file only loses the label
                return None
            return [str(x) for x in data] if isinstance(data, list) else None
        if parent == root or root not in parent.parents:
            break
    return None


def collect(root: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """One merged table from every results table under ``root``; also counts of what was read."""
    root = Path(root).resolve()
    rows: list[dict[str, Any]] = []
    benches: list[str] = []
    paper_rows: dict[str, dict[str, Any]] = {}
    counts = {"tables": 0, "rows": 0, "skipped_files": 0}
    for path in sorted(root.rglob(RESULTS_NAME)):
        table = read_table(path)
        if table is None:
            counts["skipped_files"] += 1
            continue
        counts["tables"] += 1
        overrides = run_overrides(path.resolve(), root)
        run = str(path.parent.relative_to(root))
        for row in table["rows"]:
            if not isinstance(row, dict) or not isinstance(row.get("scores"), dict) or "checkpoint" not in row:
                counts["skipped_files"] += 1
                continue
            prefix = " ".join(overrides) if overrides else run
            merged = dict(row)
            merged["label"] = f"{prefix} / {row['checkpoint']}" if prefix and prefix != "." else row["checkpoint"]
            merged["run"] = run
            merged["overrides"] = overrides
            rows.append(merged)
            counts["rows"] += 1
        benches += [b for b in table["benchmarks"] if b not in benches]
        for paper in table.get("paper_rows") or []:
            if isinstance(paper, dict) and isinstance(paper.get("scores"), dict):
                paper_rows.setdefault(str(paper.get("key") or paper.get("label")), paper)
    return make_table(rows, benches, paper_rows=list(paper_rows.values()), source=str(root)), counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeio.eval.aggregate", description=__doc__.splitlines()[0])
    parser.add_argument("root", help="multirun directory (or any folder holding results.json files)")
    parser.add_argument("--out", required=True, help="folder to write results.json and results.md into")
    args = parser.parse_args(argv)
    table, counts = collect(args.root)
    json_path, md_path = write_table(table, args.out, label_column="run / checkpoint")
    sys.stdout.write(to_markdown(table, label_column="run / checkpoint"))
    print(json.dumps({**counts, "json": str(json_path), "markdown": str(md_path)}))
    return 0 if counts["rows"] else 1


if __name__ == "__main__":
    sys.exit(main())
