"""The demo corpus shipped inside the package, so the default run works offline."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from codeio.sources.base import Rejected, Source

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "bundled"


class BundledSource(Source):
    def __init__(self, form: str = "unified", name: str = "bundled", limit: int | None = None,
                 pre_unified: bool = True):
        self.form, self.name, self.limit = form, name, limit

    def iter_items(self) -> Iterator[dict | Rejected]:
        if self.form == "unified":
            from codeio.sources.unified import UnifiedSource

            items = UnifiedSource(path=str(BUNDLED_DIR / "unified.jsonl"), name=self.name).iter_items()
        else:
            from codeio.sources.files import DirectorySource

            items = DirectorySource(path=str(BUNDLED_DIR / "raw"), name=self.name).iter_items()
        yield from islice(items, self.limit)
