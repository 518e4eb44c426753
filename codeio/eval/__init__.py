"""Evaluation: CRUXEval-I/-O, LeetCode-O, the held-out CodeI/O tasks and the general benchmarks
(through lm-evaluation-harness), with results tables per run and an aggregator for sweeps.

Entry point of the ``evaluate`` stage: ``run_evaluation(eval_cfg, checkpoints, executor, out_dir,
holdout_tasks)``. Heavy libraries (transformers, lm_eval) are imported only when a benchmark needs them.
"""

from __future__ import annotations

from codeio.eval.runner import Evaluator, run_evaluation, to_eval_config

__all__ = ["Evaluator", "run_evaluation", "to_eval_config"]
