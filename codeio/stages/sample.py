"""``sample``: functions -> deterministic, size-checked input/output pairs."""

from __future__ import annotations

import statistics
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import ChunkOutput, Stage
from codeio.records import IOPair
from codeio.schema import build, output_settings
from codeio.stages.common import build_executor


class SampleStage(Stage):
    name = "sample"
    version = "1"
    record = IOPair
    groups = ("sampler", "executor")

    def inputs(self) -> list[str]:
        return ["transform"]

    def key_config(self) -> dict[str, Any]:
        return {"sampler": output_settings(self.cfg.sampler), "executor": output_settings(self.cfg.executor)}

    def validate(self) -> None:
        from codeio.sampling.config import unmatched_source_counts

        problem = unmatched_source_counts(self.cfg.sampler, self.cfg.source)
        if problem:
            raise ValueError(problem)

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.executor = build_executor(self.cfg, resources)
        self.sampler = build(self.cfg.sampler)

    def process(self, rows: list[dict]) -> ChunkOutput:
        pairs, rejected = self.sampler.process(rows, self.executor)
        # per-call outcomes (size failures, duplicates, errors, determinism re-checks) go to stats.counts
        return ChunkOutput(pairs, rejected, counts=Counter(self.sampler.call_stats))

    def stats(self, ds) -> dict[str, Any]:
        if not len(ds):
            return {"functions": 0}
        per_function = Counter(ds["function_id"])
        counts = list(per_function.values())
        return {"functions": len(per_function), "pairs": len(ds),
                "pairs_per_function_mean": round(statistics.fmean(counts), 3),
                "pairs_per_function_hist": dict(sorted(Counter(counts).items())),
                "origin": dict(Counter(ds["origin"]))}
