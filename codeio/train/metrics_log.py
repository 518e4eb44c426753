"""Keep ``metrics.csv`` whole across a resume.

Lightning's CSV writer deletes an existing ``metrics.csv`` when it starts, so a training stage resumed
from ``last.ckpt`` would keep only the steps after the resume point. The rows logged before the
checkpoint's step are written back right after the writer starts, and the writer is told their columns,
so its next save appends to them.
"""

from __future__ import annotations

import csv
from pathlib import Path


def checkpoint_step(ckpt_path: str) -> int:
    """The optimizer step a Lightning checkpoint was saved at (memory-mapped: big weights stay on disk)."""
    import torch

    state = torch.load(ckpt_path, map_location="cpu", mmap=True, weights_only=False)
    return int(state.get("global_step", 0))


def keep_rows_before_resume(csv_logger, resume_step: int) -> int:
    """Rewrite the rows of ``metrics.csv`` with ``step < resume_step`` once the logger's writer exists.
    Returns how many rows were kept."""
    path = Path(csv_logger.log_dir) / "metrics.csv"
    if not path.is_file():
        return 0
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = [r for r in reader if r.get("step") not in (None, "") and int(float(r["step"])) < resume_step]
    writer = csv_logger.experiment  # starting the writer deletes metrics.csv
    with path.open("w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=header)
        out.writeheader()
        out.writerows(rows)
    writer.metrics_keys = sorted(header)
    return len(rows)
