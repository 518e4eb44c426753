"""What "batch 1024" counts: samples per optimiser step, whatever the packing (PAPER.md "Training").

With packing, one row holds several samples (about 4.3 of CodeI/O's on 4,096 tokens), so 1,024 *rows*
per step would be about 4,400 samples and about a quarter of the paper's updates. Under
``trainer.batch_unit=samples`` the rows per step are derived from the packing plan once the data is
planned: ``round(samples per step / mean samples per row)``, rounded up to whole micro-batches over all
devices. ``rows`` keeps the old meaning (one row per unit). Without packing both are the same.
"""

from __future__ import annotations

import logging
import math

log = logging.getLogger(__name__)

BATCH_UNITS = ("samples", "rows")


def rows_per_step(global_batch_size: int, unit: str, samples_per_row: float, rows_per_pass: int) -> int:
    """Rows one optimiser step takes: ``global_batch_size`` rows, or the rows that hold about that many
    samples; always a positive multiple of ``rows_per_pass`` (micro-batch x devices x nodes)."""
    if unit not in BATCH_UNITS:
        raise ValueError(f"batch unit must be one of {list(BATCH_UNITS)}, got {unit!r}")
    rows = global_batch_size
    if unit == "samples" and samples_per_row > 0:
        rows = max(1, round(global_batch_size / samples_per_row))
    return max(1, math.ceil(rows / rows_per_pass)) * rows_per_pass


def samples_per_row(samples: int, rows: int) -> float:
    """Mean samples per planned row (1.0 without packing)."""
    return samples / rows if rows else 1.0


def step_size_callback(trainer_cfg, stage_cfg, report: dict):
    """A Lightning callback that sets gradient accumulation from the planned rows once the data module
    has planned them (Lightning calls the data module's ``setup`` before the callbacks'), and writes the
    figures into ``report`` (``batch_unit``, ``samples_per_row``, ``rows_per_step``, ``samples_per_step``)."""
    from lightning.pytorch.callbacks import Callback

    per_pass = trainer_cfg.micro_batch_size * trainer_cfg.devices * trainer_cfg.num_nodes

    class StepSize(Callback):
        def setup(self, trainer, pl_module, stage: str) -> None:  # noqa: ARG002 (Lightning passes it by name)
            datamodule = trainer.datamodule
            per_row = samples_per_row(sum(len(r) for r in datamodule.rows), len(datamodule.rows))
            rows = rows_per_step(stage_cfg.global_batch_size, trainer_cfg.batch_unit, per_row, per_pass)
            trainer.accumulate_grad_batches = rows // per_pass
            report.update(batch_unit=trainer_cfg.batch_unit, samples_per_row=round(per_row, 3),
                          rows_per_step=rows, samples_per_step=round(rows * per_row, 1),
                          accumulate_grad_batches=rows // per_pass)
            log.info("batch unit %s: %d rows per step, %.2f samples per row, about %.0f samples per step",
                     trainer_cfg.batch_unit, rows, per_row, rows * per_row)

    return StepSize()
