"""Stage-2 data: an instruction-tuning set in ``messages`` form, mixed with CodeI/O samples (Table 4)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from codeio.records import stable_id

ROLES = ("system", "user", "assistant")


def clean_messages(value: Any) -> list[dict[str, str]] | None:
    """``[{"role", "content"}]`` with known roles, text contents and at least one assistant turn."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, list) or not value:
        return None
    out = []
    for m in value:
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            return None
        out.append({"role": m["role"], "content": m["content"]})
    if out[-1]["role"] != "assistant":
        return None
    return out


def load_instruction_data(path: str | Path, rejected: Counter) -> list[list[dict[str, str]]]:
    """Conversations of a JSONL file or a ``datasets`` directory (column ``messages`` or
    ``messages_json``); bad rows are counted as ``stage2:bad_row``, a missing source as
    ``stage2:missing_source``."""
    path = Path(path)
    rows: list[Any] = []
    if path.is_dir():
        import datasets

        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds["train"] if "train" in ds else next(iter(ds.values()))
        rows = list(ds)
    elif path.is_file():
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    rows.append(None)
    else:
        rejected["stage2:missing_source"] += 1
        return []
    out = []
    for row in rows:
        messages = None
        if isinstance(row, dict):
            messages = clean_messages(row.get("messages", row.get("messages_json")))
        if messages is None:
            rejected["stage2:bad_row"] += 1
        else:
            out.append(messages)
    return out


def _pick(items: list, count: int, seed: int, salt: str) -> list:
    """``count`` items chosen by a seeded hash of their position (stable, order kept)."""
    ranked = sorted(range(len(items)), key=lambda i: stable_id(salt, seed, i))
    chosen = sorted(ranked[:count])
    return [items[i] for i in chosen]


def mix(codeio: list[list[dict[str, str]]], instruct: list[list[dict[str, str]]], strategy: str,
        codeio_fraction: float, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows ``{"messages", "origin"}`` shuffled with ``seed``, and a report of the counts."""
    if strategy == "instruction_only":
        n_codeio = 0
    elif strategy == "concat":
        n_codeio = len(codeio)
    elif strategy == "subset":
        n_codeio = round(codeio_fraction * len(codeio))
    elif strategy == "ratio":
        wanted = round(codeio_fraction / (1.0 - codeio_fraction) * len(instruct))
        n_codeio = min(len(codeio), wanted)
    else:
        raise ValueError(f"unknown stage-2 mix {strategy!r}")
    picked = _pick(codeio, n_codeio, seed, "stage2")
    rows = [{"messages": m, "origin": "codeio"} for m in picked]
    rows += [{"messages": m, "origin": "instruction"} for m in instruct]
    random.Random(seed).shuffle(rows)
    total = len(rows)
    report = {"strategy": strategy, "codeio": len(picked), "instruction": len(instruct), "total": total,
              "codeio_share": round(len(picked) / total, 4) if total else 0.0}
    if strategy == "ratio" and len(picked) < round(codeio_fraction / (1.0 - codeio_fraction) * len(instruct)):
        report["note"] = "not enough CodeI/O samples for the requested share"
    return rows, report
