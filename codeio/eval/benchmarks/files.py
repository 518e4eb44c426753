"""Reading a benchmark's local copy: JSON, JSON Lines, parquet or a ``datasets`` folder, one loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeio.eval.cruxeval import resolve_path


def require_path(path: str | None, key: str) -> Path:
    """``path`` resolved like the other data paths, or a ValueError naming the config key to set."""
    if not path:
        raise ValueError(f"{key} is not set: point it at a local copy of the benchmark (nothing is downloaded)")
    resolved = resolve_path(path)
    if not resolved.exists():
        raise ValueError(f"{key}={path}: no such file or folder")
    return resolved


def read_rows(path: Path) -> tuple[list[Any], int]:
    """Rows of a .jsonl / .json (a list, or an object holding one list) / .parquet file, a ``datasets``
    folder saved with ``save_to_disk``, or a downloaded dataset repository folder (all its .parquet /
    .jsonl files); also the number of JSON Lines lines that did not parse."""
    bad = 0
    if path.is_dir():
        if not any((path / marker).is_file() for marker in ("state.json", "dataset_dict.json")):
            # a downloaded dataset repository: every data file in it (e.g. grid_mode/test-*.parquet)
            files = sorted(f for f in path.rglob("*") if f.suffix in (".parquet", ".jsonl") and f.is_file())
            rows: list[Any] = []
            for f in files:
                more, more_bad = read_rows(f)
                rows += more
                bad += more_bad
            return rows, bad
        import datasets

        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds["test"] if "test" in ds else ds[next(iter(ds))]
        return list(ds), 0
    if path.suffix == ".parquet":
        import datasets

        return list(datasets.Dataset.from_parquet(str(path))), 0
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            data = lists[0] if len(lists) == 1 else [data]
        return list(data), 0
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            bad += 1
    return rows, bad


def find_file(folder: Path, stem: str, suffixes: tuple[str, ...] = (".jsonl", ".json", ".parquet")) -> Path | None:
    """``folder/<stem><suffix>`` for the first suffix that exists (or ``folder/<stem>`` as a folder)."""
    for suffix in suffixes:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    candidate = folder / stem
    return candidate if candidate.is_dir() else None
