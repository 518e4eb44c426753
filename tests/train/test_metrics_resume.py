"""A resumed training stage keeps the metrics.csv rows logged before its checkpoint."""

from __future__ import annotations

import csv

from lightning.pytorch.loggers import CSVLogger

from codeio.train.metrics_log import keep_rows_before_resume


def _steps(path) -> list[int]:
    with path.open(newline="") as f:
        return [int(float(r["step"])) for r in csv.DictReader(f)]


def test_rows_before_the_resume_point_survive_the_new_writer(tmp_path):
    first = CSVLogger(save_dir=str(tmp_path), name="logs", version="")
    for step in range(8):  # the killed attempt logged steps 0..7; its checkpoint is at step 5
        first.log_metrics({"train_loss": 1.0 / (step + 1), "lr": 0.001}, step=step)
    first.save()
    metrics = tmp_path / "logs" / "metrics.csv"
    assert _steps(metrics) == list(range(8))

    resumed = CSVLogger(save_dir=str(tmp_path), name="logs", version="")
    assert keep_rows_before_resume(resumed, 5) == 5
    for step in range(5, 10):
        resumed.log_metrics({"train_loss": 0.1, "lr": 0.001}, step=step)
    resumed.save()
    assert _steps(metrics) == list(range(10))  # 0..4 kept, 5..9 from the resumed run, none twice
