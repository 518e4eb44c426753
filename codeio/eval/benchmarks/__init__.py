"""Benchmarks generated and scored by this package (not through lm-evaluation-harness).

Each module holds one benchmark class that takes its typed config (``__init__(self, cfg)``) and offers:

- ``load() -> (items, rejected)``: the benchmark's items from the local copy at ``cfg.data_path`` (never
  downloaded), and unusable rows counted by reason;
- ``messages(item) -> [{"role": "user", "content": ...}]``: the prompt of one item;
- ``score(items, replies) -> dict``: the benchmark's own scoring rule over one reply per item (``None`` =
  no reply); the dict has ``score`` (the Table 1 number, in percent), the benchmark's sub-metrics and
  ``verdicts`` (one entry per item).

``BENCHMARK_CLASSES`` maps each ``eval.benchmarks`` name to its class; ``build(name, cfg)`` makes one.
"""

from __future__ import annotations

import importlib
from typing import Any

BENCHMARK_CLASSES = {
    "bbh_zh": "codeio.eval.benchmarks.bbh_zh.BbhZh",
    "zebralogic": "codeio.eval.benchmarks.zebralogic.ZebraLogic",
    "korbench": "codeio.eval.benchmarks.korbench.KorBench",
    "livebench": "codeio.eval.benchmarks.livebench.LiveBench",
}


def build(name: str, cfg: Any) -> Any:
    module, _, cls = BENCHMARK_CLASSES[name].rpartition(".")
    return getattr(importlib.import_module(module), cls)(cfg)
