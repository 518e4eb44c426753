"""The demo corpus shipped inside the package, so the default run works offline."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from codeio.sources.base import Rejected, Source
from codeio.sources.config import BundledSourceConfig, DirectorySourceConfig, UnifiedSourceConfig

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "bundled"


class BundledSource(Source):
    """``form=unified``: the functions of ``unified.jsonl``; ``form=raw``: the raw programs of ``raw/``."""

    def __init__(self, cfg: BundledSourceConfig):
        self.cfg = cfg
        self.name = cfg.name
        if cfg.form == "unified":
            from codeio.sources.unified import UnifiedSource

            self.inner: Source = UnifiedSource(UnifiedSourceConfig(path=str(BUNDLED_DIR / "unified.jsonl"),
                                                                   name=cfg.name))
        else:
            from codeio.sources.files import DirectorySource

            self.inner = DirectorySource(DirectorySourceConfig(path=str(BUNDLED_DIR / "raw"), name=cfg.name))

    @classmethod
    def yields_unified(cls, cfg: BundledSourceConfig) -> bool:
        return cfg.form == "unified"

    def iter_items(self) -> Iterator[dict | Rejected]:
        yield from islice(self.inner.iter_items(), self.cfg.limit)
