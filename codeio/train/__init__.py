"""The ``train`` stage: two-stage supervised fine-tuning of a causal LM with Lightning.

``run_training`` is imported lazily so that ``import codeio.train`` (and its config schemas) stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_training"]


def run_training(model_cfg, trainer_cfg, stage1_data, stage2_data, out_dir) -> dict[str, Any]:
    """See ``codeio.train.run.run_training``."""
    from codeio.train.run import run_training as _run

    return _run(model_cfg, trainer_cfg, stage1_data, stage2_data, out_dir)
