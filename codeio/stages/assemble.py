"""``assemble``: every turn of every task -> training samples, exports, card, statistics and plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codeio.pipeline.stage import Stage, Upstream, WholeOutput
from codeio.schema import build, output_settings


class AssembleStage(Stage):
    name = "assemble"
    version = "2"  # 2: exact dedup keys on prompt and reference answer (issue #17)
    chunked = False
    groups = ("dataset", "revision", "prompt")
    set_aside = ("holdout",)  # the hold-out split keeps its rows for evaluation (holdout.jsonl)
    artifacts = (("training data (TRL messages)", "train.jsonl"), ("released-format records", "codeio.jsonl"),
                 ("record provenance", "codeio_provenance.jsonl"),
                 ("LLaMA-Factory files", "llamafactory"), ("dataset card", "README.md"), ("plots", "plots"))

    def inputs(self) -> list[str]:
        return ["revise"]

    def key_config(self) -> dict[str, Any]:
        return {"dataset": output_settings(self.cfg.dataset), "turns": self.cfg.revision.turns,
                "redo_request": self.cfg.revision.redo_request,
                "given_format": self.cfg.prompt.given_format}

    def features(self):
        from codeio.assemble.assembler import sample_features

        return sample_features(self.cfg.revision.turns)

    def run_whole(self, upstream: Upstream, out_dir: Path) -> WholeOutput:
        tasks = upstream.data["revise"]
        rows, rejected, stats = build(self.cfg.dataset).run(tasks, out_dir, self.cfg.revision.turns,
                                                            upstream.reports, self.cfg.revision.redo_request,
                                                            self.cfg.prompt.given_format)
        return WholeOutput(rows=rows, rejected=rejected, stats=stats, rows_in=len(tasks))
