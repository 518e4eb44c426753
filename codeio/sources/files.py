"""Raw-code sources that read local files: JSON Lines, a directory of ``*.py``, a dataset on disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeio.records import RawCode, dumps, stable_id
from codeio.sources.base import Rejected, Source, expand_paths
from codeio.sources.config import DirectorySourceConfig, HFSourceConfig, JsonlSourceConfig


def raw_row(content: str, source: str, path: str | None, meta: dict[str, Any] | None = None) -> dict:
    return RawCode(raw_id=stable_id("raw", content), source=source, content=content, path=path,
                   meta_json=dumps(meta or {})).to_row()


def looks_binary(text: str) -> bool:
    return "\x00" in text


class JsonlSource(Source):
    def __init__(self, cfg: JsonlSourceConfig):
        self.paths = expand_paths(cfg.path)
        self.name, self.content_field, self.path_field = cfg.name, cfg.content_field, cfg.path_field
        self.source_field = cfg.source_field

    def iter_items(self) -> Iterator[dict | Rejected]:
        for file in self.paths:
            with file.open("rb") as f:
                for lineno, raw in enumerate(f, start=1):
                    where = f"{file.name}:{lineno}"
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        yield Rejected("bad_encoding", where)
                        continue
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError:
                        yield Rejected("malformed_json", where)
                        continue
                    if not isinstance(obj, dict):
                        yield Rejected("malformed_json", where)
                        continue
                    content = obj.get(self.content_field)
                    if content is None:
                        yield Rejected(f"missing_field:{self.content_field}", where)
                        continue
                    if not isinstance(content, str):
                        yield Rejected(f"wrong_type:{self.content_field}", where)
                        continue
                    if looks_binary(content):
                        yield Rejected("binary", where)
                        continue
                    origin = obj.get(self.path_field) if self.path_field else None
                    meta = {k: v for k, v in obj.items() if k not in (self.content_field, self.path_field)}
                    corpus = obj.get(self.source_field) if self.source_field else None
                    yield raw_row(content, str(corpus) if corpus else self.name,
                                  str(origin) if origin is not None else where, meta)


class DirectorySource(Source):
    def __init__(self, cfg: DirectorySourceConfig):
        self.root = Path(cfg.path).expanduser()
        if not self.root.is_dir():
            raise ValueError(f"source.path={cfg.path!r} is not a directory")
        self.name, self.pattern, self.encoding = cfg.name, cfg.pattern, cfg.encoding

    def iter_items(self) -> Iterator[dict | Rejected]:
        for file in sorted(p for p in self.root.glob(self.pattern) if p.is_file()):
            rel = str(file.relative_to(self.root))
            data = file.read_bytes()
            if b"\x00" in data:
                yield Rejected("binary", rel)
                continue
            try:
                content = data.decode(self.encoding)
            except UnicodeDecodeError:
                yield Rejected("bad_encoding", rel)
                continue
            yield raw_row(content, self.name, rel, {"size_bytes": len(data)})


class HFDiskSource(Source):
    def __init__(self, cfg: HFSourceConfig):
        import datasets

        path, split, content_field = cfg.path, cfg.split, cfg.content_field
        loaded = datasets.load_from_disk(path)
        if isinstance(loaded, datasets.DatasetDict):
            if split is None:
                split = "train" if "train" in loaded else (list(loaded)[0] if len(loaded) == 1 else None)
            if split not in loaded:
                raise ValueError(f"source.split must be one of {list(loaded)} for {path}")
            loaded = loaded[split]
        if content_field not in loaded.column_names:
            raise ValueError(f"source.content_field={content_field!r} is not a column of {path} "
                             f"(columns: {loaded.column_names})")
        self.ds, self.name, self.content_field, self.path_field = loaded, cfg.name, content_field, cfg.path_field

    def iter_items(self) -> Iterator[dict | Rejected]:
        for i, obj in enumerate(self.ds):
            content = obj.get(self.content_field)
            where = f"row:{i}"
            if not isinstance(content, str):
                yield Rejected(f"wrong_type:{self.content_field}", where)
                continue
            if looks_binary(content):
                yield Rejected("binary", where)
                continue
            origin = obj.get(self.path_field) if self.path_field else None
            meta = {k: v for k, v in obj.items() if k not in (self.content_field, self.path_field)
                    and isinstance(v, (str, int, float, bool, type(None)))}
            yield raw_row(content, self.name, str(origin) if origin is not None else where, meta)
