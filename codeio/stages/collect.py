"""``collect``: read a source into raw-code rows, rejecting unusable items and duplicates."""

from __future__ import annotations

import hashlib
import io
import json
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import RawCode
from codeio.schema import build, output_settings
from codeio.sources.base import Rejected


class CollectStage(Stage):
    name = "collect"
    version = "1"
    record = RawCode
    groups = ("source",)

    def key_config(self) -> dict[str, Any]:
        return {"source": output_settings(self.cfg.source), "collect": output_settings(self.cfg.collect),
                "files": _fingerprint(self.cfg.source)}

    def validate(self) -> None:
        build(self.cfg.source)  # a missing file or a bad field fails here, before any stage runs

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.source = build(self.cfg.source)

    def source_items(self) -> Iterator[Any]:
        return self.source.iter_items()

    def process(self, rows: list[dict | Rejected]) -> ChunkOutput:
        limits = self.cfg.collect
        out, rejected = [], Counter()
        for item in rows:
            if isinstance(item, Rejected):
                rejected[item.reason] += 1
                continue
            size = len(item["content"].encode("utf-8", errors="replace"))
            if size < limits.min_bytes or not item["content"].strip():
                rejected["empty"] += 1
            elif size > limits.max_bytes:
                rejected["oversized"] += 1
            else:
                out.append(item)
        return ChunkOutput(out, rejected)

    def finalize(self, rows: Iterable[dict], rejected: Counter) -> Iterator[dict]:
        seen_exact: set[str] = set()
        seen_near: set[str] = set()
        kept = 0
        limit = self.cfg.collect.limit
        for row in rows:
            if row["raw_id"] in seen_exact:
                rejected["duplicate_exact"] += 1
                continue
            seen_exact.add(row["raw_id"])
            if self.cfg.collect.near_dedup and row.get("unified_json") is None:
                near = near_duplicate_key(row["content"])
                if near in seen_near:
                    rejected["duplicate_near"] += 1
                    continue
                seen_near.add(near)
            if limit is not None and kept >= limit:
                rejected["over_limit"] += 1
                continue
            kept += 1
            yield row

    def stats(self, ds) -> dict[str, Any]:
        return {"rows_per_source": dict(Counter(ds["source"])) if len(ds) else {}}


def near_duplicate_key(code: str) -> str:
    """Hash of the code without comments, docstring-like string statements, blank lines and trailing
    spaces, so copies that differ only in comments, headers or formatting collide."""
    try:
        tokens = []
        prev_type = tokenize.NEWLINE
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
                continue
            if tok.type == tokenize.STRING and prev_type in (tokenize.NEWLINE, tokenize.INDENT,
                                                              tokenize.DEDENT):
                prev_type = tok.type
                continue  # a bare string statement: a docstring
            if tok.type == tokenize.NEWLINE and prev_type == tokenize.STRING:
                prev_type = tokenize.NEWLINE
                continue
            tokens.append(tok.string)
            prev_type = tok.type
        text = " ".join(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        text = "\n".join(line.rstrip() for line in code.splitlines() if line.strip())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint(source_cfg) -> list[Any]:
    """Name, size and mtime of the files a source reads, so an edited corpus is collected again."""
    path = getattr(source_cfg, "path", None)
    if path is None:
        from codeio.sources.bundled import BUNDLED_DIR

        files = sorted(p for p in BUNDLED_DIR.rglob("*") if p.is_file())
    else:
        p = Path(str(path)).expanduser()
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file())
        else:
            import glob

            files = sorted(Path(f) for f in glob.glob(str(p), recursive=True))
    out = []
    for f in files[:100_000]:
        st = f.stat()
        out.append([str(f.resolve()), st.st_size, st.st_mtime_ns])
    return [hashlib.sha256(json.dumps(out).encode()).hexdigest(), len(out)]
