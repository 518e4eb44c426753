"""``evaluate``: score the trained checkpoints (CRUXEval, LeetCode-O, held-out CodeI/O, lm-eval)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import Stage, WholeOutput, semantic_config
from codeio.stages.common import build_executor, require


class EvaluateStage(Stage):
    name = "evaluate"
    version = "2"  # 2: Table 1's 14 benchmarks and layout, paper settings
    chunked = False

    def inputs(self) -> list[str]:
        ups = ["train"]
        if "codeio_holdout" in list(self.cfg.eval.benchmarks) and not self.cfg.trainer.get("train_data"):
            ups.append("assemble")  # the held-out tasks are written by assemble
        return ups

    def key_config(self) -> dict[str, Any]:
        return {"eval": semantic_config(self.cfg.eval), "executor": semantic_config(self.cfg.executor)}

    def validate(self) -> None:
        for group in ("eval", "executor", "trainer"):
            require(self.cfg, group, self.name)
        from codeio.eval.runner import to_eval_config

        to_eval_config(self.cfg.eval).check_data_paths()

    def run_whole(self, inputs: dict, out_dir: Path) -> WholeOutput:
        from codeio.eval.runner import run_evaluation

        train_dir = self.input_dirs["train"]
        checkpoints = [(f"{self.cfg.name}/stage{row['stage']}", train_dir / row["model_dir"])
                       for row in inputs["train"] if row.get("model_dir")]
        holdout = None
        if "assemble" in self.input_dirs:
            path = self.input_dirs["assemble"] / "holdout.jsonl"
            holdout = [json.loads(line) for line in path.open()] if path.is_file() else []
        with build_executor(self.cfg) as executor:
            # generations are cached outside the stage's private output dir, so a killed run resumes
            table = run_evaluation(self.cfg.eval, checkpoints, executor, out_dir, holdout_tasks=holdout,
                                   cache_dir=Path(self.cfg.cache.dir).expanduser() / "eval")
        rows = [{"checkpoint": r["checkpoint"], "average": r.get("average"),
                 "scores_json": json.dumps(r["scores"], sort_keys=True)} for r in table.get("rows", [])]
        results = {r["checkpoint"]: {**r["scores"], "average": r.get("average")} for r in table.get("rows", [])}
        return WholeOutput(rows=rows, stats={"results": results}, rows_in=len(checkpoints))
