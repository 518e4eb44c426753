"""``assemble``: every turn of every task -> training samples, exports, card, statistics and plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.utils import instantiate

from codeio.pipeline.stage import Stage, WholeOutput, semantic_config
from codeio.stages.common import require


class AssembleStage(Stage):
    name = "assemble"
    version = "1"
    chunked = False

    def inputs(self) -> list[str]:
        return ["revise"]

    def key_config(self) -> dict[str, Any]:
        return {"dataset": semantic_config(self.cfg.dataset), "turns": self.cfg.revision.turns}

    def features(self):
        from codeio.assemble.assembler import sample_features

        return sample_features(self.cfg.revision.turns)

    def validate(self) -> None:
        require(self.cfg, "dataset", self.name)
        require(self.cfg, "revision", self.name)
        instantiate(self.cfg.dataset)

    def run_whole(self, inputs: dict, out_dir: Path) -> WholeOutput:
        assembler = instantiate(self.cfg.dataset)
        tasks = inputs["revise"]
        rows, rejected, stats = assembler.run(tasks, out_dir, self.cfg.revision.turns,
                                              self.upstream_reports)
        return WholeOutput(rows=rows, rejected=rejected, stats=stats, rows_in=len(tasks))
