"""``evaluate``: score the trained checkpoints (CRUXEval, LeetCode-O, held-out CodeI/O, lm-eval)."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import Stage, Upstream, WholeOutput
from codeio.records import HOLDOUT_FILE
from codeio.schema import output_settings
from codeio.stages.common import build_executor


class EvaluateStage(Stage):
    name = "evaluate"
    version = "2"  # 2: Table 1's 14 benchmarks and layout, paper settings
    chunked = False
    groups = ("eval", "executor", "trainer")
    artifacts = (("results table", "results.md"),)

    def inputs(self) -> list[str]:
        ups = ["train"]
        if "codeio_holdout" in self.cfg.eval.benchmarks and not self.cfg.trainer.train_data:
            ups.append("assemble")  # the held-out tasks are written by assemble
        return ups

    def key_config(self) -> dict[str, Any]:
        return {"eval": output_settings(self.cfg.eval), "executor": output_settings(self.cfg.executor)}

    def validate(self) -> None:
        from codeio.eval.runner import to_eval_config

        to_eval_config(self.cfg.eval).check_data_paths()  # every unset data path is named at start-up

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        self.executor = build_executor(self.cfg, resources)

    def run_whole(self, upstream: Upstream, out_dir: Path) -> WholeOutput:
        from codeio.eval.runner import run_evaluation

        train_dir = upstream.dirs["train"]
        checkpoints = [(f"{self.cfg.name}/stage{row['stage']}", train_dir / row["model_dir"])
                       for row in upstream.data["train"] if row.get("model_dir")]
        holdout = None
        if "assemble" in upstream.dirs:
            path = upstream.dirs["assemble"] / HOLDOUT_FILE
            holdout = [json.loads(line) for line in path.open()] if path.is_file() else []
        # generations are cached outside the stage's private output dir, so a killed run resumes
        table = run_evaluation(self.cfg.eval, checkpoints, self.executor, out_dir, holdout_tasks=holdout,
                               cache_dir=Path(self.cfg.cache.dir).expanduser() / "eval")
        rows = [{"checkpoint": r["checkpoint"], "average": r.get("average"),
                 "scores_json": json.dumps(r["scores"], sort_keys=True)} for r in table.get("rows", [])]
        results = {r["checkpoint"]: {**r["scores"], "average": r.get("average")} for r in table.get("rows", [])}
        return WholeOutput(rows=rows, stats={"results": results}, rows_in=len(checkpoints))
