"""``train``: two-stage supervised fine-tuning on the assembled samples (or on a given JSONL)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from codeio.pipeline.stage import Stage, Upstream, WholeOutput
from codeio.records import STAGE1_DATA_FILE, STAGE2_DATA_FILE
from codeio.schema import output_settings


def file_fingerprint(path: str) -> list[Any]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ValueError(f"trainer.train_data={path!r} is not a file")
    digest = hashlib.sha256()
    with p.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return [str(p.resolve()), digest.hexdigest()]


def link_tree(src: Path, dst: Path) -> None:
    """Hard-link a directory tree (copy where links are impossible): instant for large weights."""
    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


class TrainStage(Stage):
    name = "train"
    version = "3"  # 2: trainer.batch_unit (issue #17); 3: reports the samples it could not use
    chunked = False
    distributed = True
    groups = ("model", "trainer")
    artifacts = (("model, stage 1", "model_stage1"), ("model, stage 2", "model_stage2"),
                 ("training metrics (CSV)", "logs_stage1"))

    def inputs(self) -> list[str]:
        return [] if self.cfg.trainer.train_data else ["assemble"]

    def key_config(self) -> dict[str, Any]:
        trainer = self.cfg.trainer
        key = {"model": output_settings(self.cfg.model), "trainer": output_settings(trainer)}
        for field in ("train_data", "stage2_data"):
            if getattr(trainer, field):
                key[field] = file_fingerprint(getattr(trainer, field))
        return key

    def open(self, work_dir: Path, resources: ExitStack) -> None:
        # Checkpoints live in the stage's stable work dir, so a killed run resumes at the same step.
        self.work_dir = work_dir

    def run_whole(self, upstream: Upstream, out_dir: Path) -> WholeOutput:
        from codeio.train import run_training

        trainer_cfg = self.cfg.trainer
        if not self.cfg.progress:  # progress=false silences every bar, Lightning's included
            trainer_cfg = dataclasses.replace(trainer_cfg, progress_bar=False)
        stage1 = stage2 = None
        assembled = upstream.dirs.get("assemble")
        if assembled is not None:  # assemble decides what each stage sees (PAPER.md Table 4)
            stage1 = assembled / STAGE1_DATA_FILE if (assembled / STAGE1_DATA_FILE).is_file() else None
            stage2 = assembled / STAGE2_DATA_FILE if (assembled / STAGE2_DATA_FILE).is_file() else None
        first_index = 1
        if stage1 is None and not trainer_cfg.train_data:
            # No stage 1 ('-' in Table 4): the stage-2 data and settings run alone from the base model.
            stage1, stage2, first_index = stage2, None, 2
            trainer_cfg = dataclasses.replace(trainer_cfg, **dataclasses.asdict(trainer_cfg.stage2))
        report = run_training(self.cfg.model, trainer_cfg, stage1, stage2, self.work_dir)
        rows = []
        rejected: Counter = Counter()  # samples training could not use, by stage and reason
        rows_in = 0
        for stage in report["stages"]:
            index = stage["stage"] + first_index - 1
            data_stats = stage.get("data_stats") or {}
            rows_in += int(data_stats.get("rows_in") or 0)
            for reason, count in (data_stats.get("rejected") or {}).items():
                rejected[f"stage{index}:{reason}"] += int(count)
            export = stage.get("export_dir")
            if export:
                link_tree(Path(export), out_dir / f"model_stage{index}")
            stage_dir = Path(stage["checkpoint_dir"]).parent
            for logs in ("logs", "tensorboard"):  # CSV metrics and TensorBoard events
                if (stage_dir / logs).is_dir():
                    link_tree(stage_dir / logs, out_dir / f"{logs}_stage{index}")
            rows.append({
                "stage": index,
                "steps": stage.get("steps"),
                "loss_start": stage.get("loss_start"),
                "loss_end": stage.get("loss_end"),
                "tokens": stage.get("tokens"),
                "truncated_samples": stage.get("truncated_samples"),
                "seconds": stage.get("seconds"),
                "model_dir": f"model_stage{index}" if export else None,
            })
        stats = {f"stage{r['stage']}": {k: r[k] for k in ("steps", "loss_start", "loss_end", "truncated_samples")}
                 for r in rows}
        stats["final_model"] = rows[-1]["model_dir"] if rows else None
        return WholeOutput(rows=rows, rejected=rejected, stats=stats, rows_in=rows_in)
